using Encore.Catalog;
using Encore.Recommendations;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Encore.Grains.Tests.Recommendations;

public sealed class PopularFillerTests
{
    [Fact]
    public async Task APopularTracksScoreDependsOnItsPlaceNotOnTheListLengthAskedFor()
    {
        // Training builds lists of 100, a listener asks for 20: the ranker's popular feature must agree.
        var catalog = new CatalogHolder(Options.Create(new CatalogOptions()), NullLogger<CatalogHolder>.Instance);
        var built = await new RecommenderData(catalog, NullLogger<RecommenderData>.Instance).Ready;

        var twenty = Popular(built, 20);
        var hundred = Popular(built, 100);

        Assert.Equal(40, twenty.Count);
        Assert.True(hundred.Count > twenty.Count);
        Assert.All(twenty, e => Assert.Equal(hundred[e.Key], e.Value));
        Assert.Equal([1.0, 1.0 - 0.5 / 200], twenty.Values.OrderByDescending(p => p).Take(2));
    }

    /// <summary>Each filler track's popular score for a never-seen listener asking for <paramref name="count"/>.</summary>
    private static Dictionary<int, double> Popular(RecommenderData.Built built, int count)
    {
        var candidates = new Dictionary<int, Candidate>();
        RecommendationGrain.AddPopular(built, null, trackId =>
        {
            var index = built.Catalog.IndexOf(trackId);
            return candidates.TryGetValue(index, out var known) ? known : candidates[index] = new Candidate(index);
        }, count);
        return candidates.ToDictionary(c => c.Key, c => c.Value.Popular);
    }
}
