namespace Encore.Features;

/// <summary>
/// Keys of the <see cref="TimeProvider"/>s the features read, so tests can move feature time with a
/// FakeTimeProvider without moving the clock Orleans itself runs on.
/// </summary>
public static class Clocks
{
    /// <summary>"Now" for event-time windows (track plays in the last hour, trending in the last day).</summary>
    public const string Windows = "encore.windows";
}
