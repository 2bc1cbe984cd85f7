using Encore.Ranking;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Encore.Grains.Tests.Ranking;

public sealed class ModelRefresherTests
{
    [Fact]
    public async Task AModelThatCannotLoadOrHasAnotherSchemaIsSkippedAndAGoodOneIsSwappedIn()
    {
        var registry = new MemoryModelRegistry();
        var active = new ActiveRanker();
        var refresher = new ModelRefresher(registry, active, null!, Options.Create(new RankerOptions()), TimeProvider.System, NullLogger<ModelRefresher>.Instance);

        await refresher.RefreshAsync();
        Assert.Null(active.Current);

        var broken = await registry.ReserveAsync(DateTimeOffset.UnixEpoch);
        await registry.CompleteAsync(broken with { Status = ModelStatus.Published }, [1, 2, 3]);
        await refresher.RefreshAsync();
        Assert.Null(active.Current);

        var good = RankerModel.From("unused", RankerTrainer.Train(Groups(), NullLogger.Instance).Model).ToBytes();
        var otherSchema = await registry.ReserveAsync(DateTimeOffset.UnixEpoch);
        await registry.CompleteAsync(otherSchema with { Status = ModelStatus.Published, SchemaHash = "0000000000000000" }, good);
        await refresher.RefreshAsync();
        Assert.Null(active.Current);

        var fine = await registry.ReserveAsync(DateTimeOffset.UnixEpoch);
        await registry.CompleteAsync(fine with { Status = ModelStatus.Published }, good);
        await refresher.RefreshAsync();
        Assert.Equal(fine.Version, active.Current?.Version);
        Assert.Equal(3, active.Current!.Score([new float[CandidateFeatures.Count], new float[CandidateFeatures.Count], new float[CandidateFeatures.Count]]).Length);
    }

    private static TrainingGroup[] Groups()
    {
        var random = new Random(11);
        return [.. Enumerable.Range(0, 30).Select(g =>
        {
            var features = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, CandidateFeatures.Count).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
            return new TrainingGroup($"g{g}", new string[20], features, new double[20], [.. features.Select(f => f[2] > 0.7f ? 2f : 0f)],
                new HashSet<string>(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        })];
    }
}
