using System.ComponentModel.DataAnnotations;

namespace Encore.Pipeline;

/// <summary>
/// Configuration section <c>FeatureState</c>: when feature grains write their state, and how long a user
/// bucket keeps an idle listener in memory. Writing on
/// every event would make storage the bottleneck, so grains buffer and write every
/// <see cref="WriteEveryEvents"/> changes or every <see cref="WriteInterval"/>, whichever comes first;
/// partition grains keep the checkpoint below what is still buffered.
/// </summary>
public sealed class FeatureStateOptions
{
    public const string SectionName = "FeatureState";

    [Range(1, 1_000_000, ErrorMessage = "FeatureState:WriteEveryEvents must be between 1 and 1 000 000; set FeatureState__WriteEveryEvents.")]
    public int WriteEveryEvents { get; set; } = 200;

    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00", ErrorMessage = "FeatureState:WriteInterval must be between 50 ms and 1 h; set FeatureState__WriteInterval.")]
    public TimeSpan WriteInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A listener nobody played or read for this long leaves its user bucket's memory, written first if it
    /// changed; their next play or read brings them back from storage. What a grain per listener was to
    /// Orleans' collection age, with the same default.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "FeatureState:ListenerIdleAge must be between 1 s and 7 days; set FeatureState__ListenerIdleAge.")]
    public TimeSpan ListenerIdleAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// True while grain storage is in memory: an applied event is then as durable as it will ever be
    /// (storage dies with the silo like the activation does), so apply results declare it at once.
    /// The PostgreSQL wiring sets it to false.
    /// </summary>
    public bool ApplyIsDurable { get; set; } = true;
}
