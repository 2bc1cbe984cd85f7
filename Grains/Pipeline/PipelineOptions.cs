using System.ComponentModel.DataAnnotations;

namespace Encore.Pipeline;

/// <summary>Configuration section <c>Pipeline</c>: how partition grains pace their side work.</summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Pipeline";

    /// <summary>How often a partition grain re-declares its durable offset after one-way reports.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan DeclareInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often a partition grain sends buffered trending snapshots. Snapshots are idempotent (newest
    /// version wins), so buffering them costs freshness only, and saves one call per genre per batch.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan TrendingFlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
