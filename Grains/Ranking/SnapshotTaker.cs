using Encore.Recommendations;
using Encore.Users;
using Microsoft.Extensions.Logging;

namespace Encore.Ranking;

/// <summary>
/// Builds the training snapshots the listeners of a partition batch asked for (see <see cref="TrainingLog"/>).
/// The partition grain awaits it after the user buckets answered and before it sends the batch's plays
/// to any co-occurrence bucket or count, so a snapshot's candidates know nothing of the play it is
/// labelled by, nor of anything after it; and only that partition waits, not every partition whose
/// listeners share a bucket with the sampled one.
/// </summary>
internal sealed partial class SnapshotTaker(IGrainFactory grains, TrainingLog log, ILogger<SnapshotTaker> logger)
{
    /// <summary>A snapshot that takes longer is given up: the partition's plays do not wait for training data.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public Task TakeAsync(IEnumerable<SnapshotRequest> requests) => Task.WhenAll(requests.Select(TakeAsync));

    private async Task TakeAsync(SnapshotRequest request)
    {
        if (!log.TryStart())
        {
            return;
        }

        var taste = request.Taste;
        try
        {
            // The recommendation grain is given the listener and never calls back.
            var candidates = await grains.GetGrain<IRecommendationGrain>(0)
                .GetCandidatesAsync(new CandidateRequest(taste, request.At))
                .WaitAsync(Timeout);
            log.Add(new TrainingSnapshot(taste.UserId, request.At, taste.Plays, taste.HeardTrackIds!, candidates));
        }
        catch (TimeoutException)
        {
            // A busy silo: expected under load, and a sample can spare it.
            LogTimedOut(logger, taste.UserId, Timeout.TotalSeconds);
        }
        catch (Exception e)
        {
            // Training data is a sample: one lost snapshot must never hold up or fail the partition's plays.
            LogFailed(logger, e, taste.UserId);
        }
        finally
        {
            log.Finish();
        }
    }

    [LoggerMessage(EventId = 1509, Level = LogLevel.Warning, Message = "Training snapshot of {UserId} skipped")]
    private static partial void LogFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 1510, Level = LogLevel.Debug, Message = "Training snapshot of {UserId} skipped: no candidates within {Seconds} s")]
    private static partial void LogTimedOut(ILogger logger, string userId, double seconds);
}
