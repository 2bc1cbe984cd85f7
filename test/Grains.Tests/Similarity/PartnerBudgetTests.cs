using Encore.Grains.Tests.Cluster;
using Encore.Similarity;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Encore.Grains.Tests.Similarity;

/// <summary>
/// <see cref="SimilarityOptions.MaxPartners"/>: a co-occurrence bucket past its share cuts its longest
/// lists to one capacity, weakest partners first, and its counts stay exact. Its own one-silo cluster,
/// whose buckets may hold 400 partners each.
/// </summary>
public sealed class PartnerBudgetTests : OneSiloCluster<PartnerBudgetTests.SiloConfigurator>
{
    private const long MaxPartners = 400 * 2 * CoOccurrenceBuckets.Count;

    [Fact]
    public void TheCapacityIsTheLargestAtWhichTheListsFitThreeQuartersOfTheShare()
    {
        // 750 to fill: 2c + 100 + 50 at c = 300.
        Assert.Equal(300, PartnerBudget.ListCapacity([1_000, 500, 100, 50], 1_000, 4_096));
        // Everything fits: the kind's capacity stays.
        Assert.Equal(4_096, PartnerBudget.ListCapacity([10, 20], 1_000, 4_096));
        // Not even the floor fits: the floor.
        Assert.Equal(PartnerBudget.MinListCapacity, PartnerBudget.ListCapacity([.. Enumerable.Repeat(1_000, 20)], 1_000, 4_096));
        Assert.Equal(400, PartnerBudget.ShareOf(MaxPartners));
    }

    [Fact]
    public void ACutListKeepsItsStrongestPartnersAndTakesNewOnes()
    {
        var list = CoOccurrences.Of(7, [.. Enumerable.Range(1, 10).Select(i => ($"p{i:D2}", (long)i))]);
        list.CutTo(4, (_, weight) => weight);
        Assert.Equal(["p07", "p08", "p09", "p10"], list.Partners().Select(p => p.Partner).Order());
        Assert.Equal(7, list.Occurrences);

        Assert.Equal(5, list.AddPartner("p11", 11, 4));
        Assert.Equal(5, list.AddPartner("p08", 100, 4));
        Assert.Equal(108, list.Partners().Single(p => p.Partner == "p08").Weight);
    }

    [Fact]
    public async Task ABucketPastItsShareCutsItsLongestListsAndCountsStayExact()
    {
        // Three artists of one bucket, 300 partners each: 900 of the 400 it may hold.
        var artists = Enumerable.Range(0, 1_000).Select(i => $"budget-artist-{i}")
            .GroupBy(a => CoOccurrenceBuckets.KeyOf(ItemKinds.Artist, a)).First(g => g.Count() >= 3).Take(3).ToArray();
        var bucket = Cluster.Client.BucketOf(ItemKinds.Artist, artists[0]);
        var delta = new CoOccurrenceDeltaBuilder();
        var offset = 0L;
        foreach (var artist in artists)
        {
            var slot = delta.AddItem(artist);
            delta.AddOccurrence(slot, offset++);
            for (var i = 0; i < 300; i++)
            {
                delta.AddHit(slot, new CoOccurrenceHit(offset++, $"{artist}-partner-{i:D3}", 16 + i));
            }
        }

        var first = delta.Build(0, offset - 1);
        await bucket.ApplyAsync(first);

        // Three quarters of 400 in all: each list keeps its 100 heaviest partners, and one occurrence.
        foreach (var artist in artists)
        {
            var neighbours = await bucket.GetNeighboursAsync(artist, 1_000);
            Assert.Equal(1, neighbours.Occurrences);
            Assert.Equal(100, neighbours.Neighbours.Length);
            Assert.Equal(Enumerable.Range(200, 100).Select(i => $"{artist}-partner-{i:D3}").Order(), neighbours.Neighbours.Select(n => n.Id).Order());
        }

        // What the silo's encore.similarity.* gauges read: this bucket's 300 partners, its lists' capacity of 100.
        var figures = Cluster.Silos.OfType<InProcessSiloHandle>().Single().ServiceProvider.GetRequiredService<CoOccurrenceFigures>();
        Assert.Equal((ItemKinds.Artist, 300L, 100), figures.ByKind().Single(k => k.Kind == ItemKinds.Artist));

        // A replay changes nothing; new partners make a list overflow its new capacity, not grow past it.
        await bucket.ApplyAsync(first);
        var more = new CoOccurrenceDeltaBuilder();
        var moreSlot = more.AddItem(artists[0]);
        more.AddOccurrence(moreSlot, offset++);
        for (var i = 0; i < 50; i++)
        {
            more.AddHit(moreSlot, new CoOccurrenceHit(offset++, $"{artists[0]}-new-{i:D2}", 1_000 + i));
        }

        await bucket.ApplyAsync(more.Build(0, offset - 1));

        // Ranked lists are kept for a few seconds (NeighbourCache.MaxAge): the new ranking shows after that.
        await Eventually.TrueAsync(
            async () => (await bucket.GetNeighboursAsync(artists[0], 1_000)).Neighbours[0].Id == $"{artists[0]}-new-49",
            "the heaviest new partner ranked first",
            TimeSpan.FromSeconds(30));
        var grown = await bucket.GetNeighboursAsync(artists[0], 1_000);
        Assert.Equal(2, grown.Occurrences);
        Assert.InRange(grown.Neighbours.Length, 75, 100);
        Assert.Equal(1, (await bucket.GetNeighboursAsync(artists[1], 1_000)).Occurrences);
    }

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddEncoreMemoryStorage();
            silo.AddEncoreFeatures();
            silo.Services.Configure<SimilarityOptions>(o => o.MaxPartners = MaxPartners);
        }
    }
}
