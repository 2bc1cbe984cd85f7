using Encore.Ranking;
using Encore.Recommendations;
using Encore.Storage.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;

namespace Encore.Storage.Tests;

/// <summary>The ranker's model registry in PostgreSQL.</summary>
public sealed class RankerRegistryTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [PostgresFact]
    public async Task VersionsMetricsAndBytesRoundTripThroughPostgres()
    {
        await new MigrationRunner(database.ConnectionString).ApplyAsync();
        var registry = new PostgresModelRegistry(database.ConnectionString);
        var at = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

        var first = await registry.ReserveAsync(at);
        var second = await registry.ReserveAsync(at.AddHours(1));
        Assert.Equal(("ranker-1", ModelStatus.Training, CandidateFeatures.SchemaHash), (first.Version, first.Status, first.SchemaHash));
        Assert.Equal("ranker-2", second.Version);
        Assert.Null(await registry.GetActiveVersionAsync());

        var published = first with
        {
            Status = ModelStatus.Published,
            Metrics = new() { ["ndcg@20"] = 0.125, ["recall@20"] = 0.25 },
            WindowStart = at.AddDays(-1),
            WindowEnd = at,
            Trainer = RankerTrainer.LightGbm,
        };
        await registry.CompleteAsync(published, [1, 2, 3]);
        await registry.CompleteAsync(second with { Status = ModelStatus.Rejected, Note = "no better" }, [9]);

        var list = await registry.ListAsync();
        Assert.Equal("ranker-1", list.Active);
        Assert.Equal(["ranker-2", "ranker-1"], list.Versions.Select(v => v.Version));
        var read = list.Versions[1];
        Assert.Equal((published.Status, published.TrainedAt, published.WindowStart, published.WindowEnd, published.Trainer, published.Note),
            (read.Status, read.TrainedAt, read.WindowStart, read.WindowEnd, read.Trainer, read.Note));
        Assert.Equal(published.Metrics, read.Metrics);
        Assert.Equal("no better", list.Versions[0].Note);
        var active = await registry.GetActiveAsync();
        Assert.Equal("ranker-1", active!.Info.Version);
        Assert.Equal([1, 2, 3], active.Bytes);
        await Assert.ThrowsAsync<ArgumentException>(() => registry.CompleteAsync(first with { Version = "ranker-9" }, null));
    }

}

/// <summary>Two silos on PostgreSQL: a model published through one is swapped in by both, under load.</summary>
public sealed class RankerSwapTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [PostgresFact]
    public async Task AModelPublishedOnOneSiloIsServedByEverySiloWhileRequestsKeepSucceeding()
    {
        var settings = new Dictionary<string, string> { ["Ranker:PollInterval"] = "00:00:00.200" };
        await using var cluster = await PostgresCluster.StartAsync(database.ConnectionString, "ranker-swap", silos: 2, settings: settings);
        var silos = cluster.Silos.Cast<InProcessSiloHandle>().ToArray();
        var recommender = cluster.Client.GetGrain<IRecommendationGrain>(0);
        Assert.Equal(HeuristicRanker.ModelVersion, (await recommender.RecommendAsync("before-any-model", 10)).ModelVersion);

        // Requests run all along; each must answer in full, from the heuristic or the model.
        using var stop = new CancellationTokenSource();
        var served = new List<string>();
        var load = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var answer = await recommender.RecommendAsync($"listener-{i % 50}", 20);
                Assert.Equal(20, answer.Items.Length);
                lock (served)
                {
                    served.Add(answer.ModelVersion);
                }
            }
        });

        var registry = silos[0].ServiceProvider.GetRequiredService<IModelRegistry>();
        var reserved = await registry.ReserveAsync(DateTimeOffset.UtcNow);
        var model = RankerModel.From(reserved.Version, RankerTrainer.Train(RandomGroups(), NullLogger.Instance).Model);
        await registry.CompleteAsync(reserved with { Status = ModelStatus.Published }, model.ToBytes());

        await Eventually.TrueAsync(
            () => Task.FromResult(silos.All(s => s.ServiceProvider.GetRequiredService<ActiveRanker>().Current?.Version == reserved.Version)),
            $"every silo serves {reserved.Version}", TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => Task.FromResult(Served(served).Contains(reserved.Version)), "an answer scored by the model");
        await stop.CancelAsync();
        await load;

        Assert.Equal(reserved.Version, (await recommender.RecommendAsync("after-the-swap", 10)).ModelVersion);
        Assert.Subset(new HashSet<string> { HeuristicRanker.ModelVersion, reserved.Version }, Served(served));
    }

    private static HashSet<string> Served(List<string> served)
    {
        lock (served)
        {
            return [.. served];
        }
    }

    /// <summary>Small groups whose label follows the first feature: enough for a model that loads and scores.</summary>
    private static TrainingGroup[] RandomGroups()
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, 30).Select(g =>
        {
            var features = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, CandidateFeatures.Count).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
            return new TrainingGroup($"g{g}", [.. Enumerable.Range(0, 20).Select(i => $"t{i}")], features, new double[20],
                [.. features.Select(f => f[0] > 0.8f ? 3f : 0f)], new HashSet<string>(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        })];
    }
}
