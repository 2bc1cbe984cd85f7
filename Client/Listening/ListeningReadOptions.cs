namespace Encore.Client.Listening;

/// <summary>What a read may be told beyond the format and the path.</summary>
public sealed record ListeningReadOptions
{
    /// <summary>
    /// When an MPD playlist has no <c>modified_at</c> (trimmed copies of the dataset drop it), its last
    /// play is stamped here: the end of the dataset's collection period, so that timestamps stay deterministic.
    /// </summary>
    public static readonly DateTimeOffset DefaultMpdModifiedAt = new(2017, 11, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The listener of a Spotify export; by default derived from the export folder's name.</summary>
    public string? UserId { get; init; }

    /// <summary>The clock the event validator's future-timestamp rule reads.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public DateTimeOffset MpdModifiedAtWhenMissing { get; init; } = DefaultMpdModifiedAt;
}
