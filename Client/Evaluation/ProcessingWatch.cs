using Encore.Stats;

namespace Encore.Client.Evaluation;

/// <summary>Where the live system stands with the plays <c>evaluate</c> produced, after one look at its stats.</summary>
public enum ProcessingState
{
    /// <summary>Still processing: look again.</summary>
    Waiting,

    /// <summary>eventsProcessed grew by at least the number produced.</summary>
    Processed,

    /// <summary>
    /// eventsProcessed reached the number produced less the duplicates dropped, and has not moved for
    /// <see cref="ProcessingWatch.QuietPeriod"/>: resends of plays already counted are all that is missing.
    /// </summary>
    Quiet,

    /// <summary>Neither by the deadline.</summary>
    TimedOut,
}

/// <summary>
/// Decides, from successive <c>GET /api/stats</c> answers, when the live system has processed what
/// <c>evaluate</c> produced (docs/evaluation.md, step 2). Figures are differences from the stats taken
/// before producing; the caller supplies the time, so the rule is tested without waiting.
/// </summary>
public sealed class ProcessingWatch(PipelineStatsSnapshot before, long produced, TimeSpan timeout)
{
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(5);

    private TimeSpan _lastChange;

    public long Produced => produced;

    /// <summary>Events processed since the baseline (resends included).</summary>
    public long Processed { get; private set; } = -1;

    public long Duplicates { get; private set; }

    public long Rejected { get; private set; }

    /// <param name="stats">The latest answer.</param>
    /// <param name="elapsed">Time since the wait began.</param>
    public ProcessingState Observe(PipelineStatsSnapshot stats, TimeSpan elapsed)
    {
        var processed = stats.EventsProcessed - before.EventsProcessed;
        Duplicates = stats.DuplicatesDropped - before.DuplicatesDropped;
        Rejected = stats.EventsRejected - before.EventsRejected;
        if (processed != Processed)
        {
            (Processed, _lastChange) = (processed, elapsed);
        }

        return processed >= produced ? ProcessingState.Processed
            : processed >= produced - Duplicates && elapsed - _lastChange >= QuietPeriod ? ProcessingState.Quiet
            : elapsed >= timeout ? ProcessingState.TimedOut
            : ProcessingState.Waiting;
    }
}
