using System.ComponentModel.DataAnnotations;

namespace Encore.Pipeline;

/// <summary>Configuration section <c>Pipeline</c>: how partition grains pace their side work.</summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Pipeline";

    /// <summary>How often a partition grain re-declares its durable offset after one-way reports.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Pipeline:DeclareInterval must be between 10 ms and 10 min; set Pipeline__DeclareInterval.")]
    public TimeSpan DeclareInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often a partition grain sends buffered trending snapshots. Snapshots are idempotent (newest
    /// version wins), so buffering them costs freshness only, and saves one call per genre per batch.
    /// Every flush calls the grain of each genre it played and the global one: at 500 ms, 64 partitions
    /// made about 15 000 calls a second (docs/performance.md).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Pipeline:TrendingFlushInterval must be between 10 ms and 10 min; set Pipeline__TrendingFlushInterval.")]
    public TimeSpan TrendingFlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many replays in a row a grain call may fail at the same offset, for a reason that is not
    /// transient, before its events are applied one at a time and those that still fail are dead-lettered.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Pipeline:PoisonAttempts must be between 1 and 1 000; set Pipeline__PoisonAttempts.")]
    public int PoisonAttempts { get; set; } = 5;

    /// <summary>
    /// Partition batches a silo applies at once, 0 for no bound (<see cref="BatchGate"/>). A bound favours
    /// requests over ingestion on a silo whose cores ingestion fills: at 1, a 2-core silo answered
    /// recommendations in half the time and fell behind a stream it otherwise kept up with
    /// (docs/performance.md).
    /// </summary>
    [Range(0, 1024, ErrorMessage = "Pipeline:BatchesInFlight must be between 0 (no bound) and 1024; set Pipeline__BatchesInFlight.")]
    public int BatchesInFlight { get; set; }

    /// <summary>How long those failures must span at least, so that a database away for a while loses nothing.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Pipeline:PoisonMinAge must be between 0 and 1 h; set Pipeline__PoisonMinAge.")]
    public TimeSpan PoisonMinAge { get; set; } = TimeSpan.FromSeconds(30);
}
