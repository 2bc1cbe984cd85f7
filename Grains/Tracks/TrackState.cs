using Encore.Features;
using Encore.Pipeline;

namespace Encore.Tracks;

/// <summary>Everything a track grain keeps: counts, fixed-size windows and a sketch.</summary>
[GenerateSerializer]
public sealed class TrackState : IHasAppliedOffsets
{
    [Id(0)] public Dictionary<int, long> AppliedOffsets { get; set; } = [];
    [Id(1)] public long Plays { get; set; }
    [Id(2)] public long Skips { get; set; }
    [Id(3)] public double CompletionSum { get; set; }
    [Id(4)] public PlayWindows Windows { get; set; } = new();
    [Id(5)] public HyperLogLog Listeners { get; set; } = new();
    [Id(7)] public DateTimeOffset? LastPlayTs { get; set; }

    // Ids 6 and 8 held the track's co-listens and history co-occurrences, now in its
    // CoOccurrenceBucketGrain; a stored state that still has them loads without them.
}
