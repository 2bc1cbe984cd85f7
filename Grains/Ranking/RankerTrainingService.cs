using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Encore.Catalog;
using Encore.Recommendations;
using Encore.Users;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Ranking;

/// <summary>
/// Trains, gates and records one model version, on the thread pool (never on a grain's scheduler: a
/// training takes seconds to minutes). Started by <see cref="RankerTrainerGrain"/> on its own silo.
/// </summary>
public sealed partial class RankerTrainingService(
    IGrainFactory grains,
    RecommenderData data,
    IModelRegistry registry,
    IOptions<RankerOptions> options,
    TimeProvider time,
    ILogger<RankerTrainingService> logger)
{
    private const int Parallelism = 8;

    /// <summary>Snapshots per call to a silo's log (each is tens of kilobytes).</summary>
    private const int SnapshotPage = 200;

    /// <summary>Trains <paramref name="reserved"/> in the background; the task ends when its outcome is recorded.</summary>
    public Task Start(ModelVersionInfo reserved) => Task.Run(() => RunAsync(reserved));

    private async Task RunAsync(ModelVersionInfo reserved)
    {
        var o = options.Value;
        try
        {
            var catalog = (await data.Ready).Catalog;
            var started = Stopwatch.GetTimestamp();
            var snapshots = await CollectSnapshotsAsync(o.MaxListeners);
            var users = snapshots.Select(s => s.UserId).Distinct(StringComparer.Ordinal).ToArray();
            var profiles = new UserProfile?[users.Length];
            await Parallel.ForEachAsync(Enumerable.Range(0, users.Length), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
                profiles[i] = await grains.UserBucketOf(users[i]).GetProfileAsync(users[i]));
            var byUser = users.Zip(profiles).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
            var built = snapshots
                .Select(s => byUser[s.UserId] is { } profile ? TrainingData.Label(s, profile, catalog) : null)
                .OfType<TrainingGroup>()
                .ToArray();
            var holdout = built.Where(g => IsHeldOut(g.UserId, o.HoldoutShare)).ToArray();
            var train = built.Where(g => !IsHeldOut(g.UserId, o.HoldoutShare)).ToArray();
            LogGroupsBuilt(logger, reserved.Version, train.Length, holdout.Length, Stopwatch.GetElapsedTime(started).TotalSeconds);

            var stored = await registry.GetActiveAsync();
            var active = stored is not null && stored.Info.SchemaHash == CandidateFeatures.SchemaHash ? RankerModel.Load(stored.Info.Version, stored.Bytes, logger) : null;
            var (info, model) = TrainAndGate(reserved with { TrainedAt = time.GetUtcNow() }, train, holdout, active, catalog, o, logger);
            await registry.CompleteAsync(info, model?.ToBytes());
            LogTrained(logger, info.Version, info.Status, info.Metrics.GetValueOrDefault("ndcg@20"), info.Metrics.GetValueOrDefault("heuristic.ndcg@20"), Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception e)
        {
            LogTrainingFailed(logger, e, reserved.Version);
            await registry.CompleteAsync(reserved with { Status = ModelStatus.Failed, Note = e.Message }, null);
        }
    }

    /// <summary>
    /// Trains on <paramref name="train"/>, measures the new model, <paramref name="active"/> and the
    /// heuristic on <paramref name="holdout"/>, and decides. Returns the version's record and the model
    /// (kept for a rejected version too, so that it can be inspected).
    /// </summary>
    public static (ModelVersionInfo Info, RankerModel? Model) TrainAndGate(
        ModelVersionInfo reserved, IReadOnlyList<TrainingGroup> train, IReadOnlyList<TrainingGroup> holdout,
        RankerModel? active, TrackCatalog catalog, RankerOptions options, ILogger logger)
    {
        var all = train.Concat(holdout).ToArray();
        var info = reserved with
        {
            SchemaHash = CandidateFeatures.SchemaHash,
            WindowStart = all.Length == 0 ? null : all.Min(g => g.WindowStart),
            WindowEnd = all.Length == 0 ? null : all.Max(g => g.WindowEnd),
        };
        // Thinned once here, for the metric and the fit alike (Train's own thinning leaves these as they are).
        var fitted = train.Select(g => RankerTrainer.Thin(g)).ToList();
        var metrics = new Dictionary<string, double>
        {
            ["trainGroups"] = train.Count,
            ["trainRows"] = train.Sum(g => g.TrackIds.Length),
            ["fitRows"] = fitted.Sum(g => g.TrackIds.Length),
            ["holdoutGroups"] = holdout.Count,
            ["candidateRecall"] = Math.Round(RankerGate.CandidateRecall(holdout), 6),
        };
        if (train.Count == 0 || holdout.Count == 0 || train.All(g => g.Labels.All(l => l == 0)))
        {
            return (info with { Status = ModelStatus.Rejected, Metrics = metrics, Note = "not enough listeners with a history to train and hold out" }, null);
        }

        var started = Stopwatch.GetTimestamp();
        var (transformer, trainer) = RankerTrainer.Train(fitted, logger, options.FastTreeOnly);
        metrics["trainSeconds"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3);
        var model = RankerModel.From(reserved.Version, transformer, logger);

        var candidate = RankerGate.Evaluate(holdout, g => model.ScoreUnit(g.Features), catalog);
        var heuristic = RankerGate.Evaluate(holdout, g => g.HeuristicScores, catalog);
        var rivals = new List<RankingQuality> { heuristic };
        Put(metrics, "", candidate);
        Put(metrics, "heuristic.", heuristic);
        if (active is not null)
        {
            var current = RankerGate.Evaluate(holdout, g => active.ScoreUnit(g.Features), catalog);
            Put(metrics, "active.", current);
            rivals.Add(current);
        }

        var publish = RankerGate.ShouldPublish(candidate, rivals, options.MinImprovement);
        return (info with
        {
            Status = publish ? ModelStatus.Published : ModelStatus.Rejected,
            Metrics = metrics,
            Trainer = trainer,
            Note = publish ? null : $"NDCG@{RankerGate.K} {candidate.Ndcg:F4} and Recall@{RankerGate.K} {candidate.Recall:F4} do not beat the best of the others by {options.MinImprovement:P0}",
        }, model);
    }

    /// <summary>A deterministic share of listeners, by a hash of the id, so a listener stays on one side across trainings.</summary>
    public static bool IsHeldOut(string userId, double share) =>
        BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(userId))) % 1000 < share * 1000;

    private static void Put(Dictionary<string, double> metrics, string prefix, RankingQuality q)
    {
        metrics[$"{prefix}recall@{RankerGate.K}"] = Math.Round(q.Recall, 6);
        metrics[$"{prefix}ndcg@{RankerGate.K}"] = Math.Round(q.Ndcg, 6);
    }

    /// <summary>
    /// Every silo's training snapshots (see <see cref="TrainingLog"/>) of at most <paramref name="maxListeners"/>
    /// listeners, chosen by a hash of the id so that the same listeners stay chosen across trainings.
    /// </summary>
    private async Task<TrainingSnapshot[]> CollectSnapshotsAsync(int maxListeners)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var all = new List<TrainingSnapshot>();
        foreach (var silo in hosts.Keys)
        {
            var log = grains.GetGrain<ITrainingLogGrain>(silo.ToParsableString());
            for (var skip = 0; ; skip += SnapshotPage)
            {
                var page = await log.GetAsync(skip, SnapshotPage);
                all.AddRange(page);
                if (page.Length < SnapshotPage)
                {
                    break;
                }
            }
        }

        var chosen = all.Select(s => s.UserId).Distinct(StringComparer.Ordinal)
            .OrderBy(id => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id))), StringComparer.Ordinal)
            .Take(maxListeners)
            .ToHashSet(StringComparer.Ordinal);
        return [.. all.Where(s => chosen.Contains(s.UserId))];
    }

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Ranker {Version}: {Train} training and {Holdout} held-out groups labelled in {Seconds:F1} s")]
    private static partial void LogGroupsBuilt(ILogger logger, string version, int train, int holdout, double seconds);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information, Message = "Ranker {Version} {Status}: NDCG@20 {Ndcg:F4} against the heuristic's {Heuristic:F4}, in {Seconds:F1} s")]
    private static partial void LogTrained(ILogger logger, string version, string status, double ndcg, double heuristic, double seconds);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Error, Message = "Ranker {Version}: training failed")]
    private static partial void LogTrainingFailed(ILogger logger, Exception exception, string version);
}
