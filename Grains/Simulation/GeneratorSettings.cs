namespace Encore.Simulation;

/// <summary>What a <see cref="PlayGenerator"/> simulates. The same settings always give the same plays.</summary>
public sealed record GeneratorSettings
{
    /// <summary>Seeds every random choice: listeners, tastes, sessions, tracks, skips and event ids.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Number of listeners, <c>user-1</c> to <c>user-{Users}</c>.</summary>
    public int Users { get; init; } = 1_000;

    /// <summary>Simulated time starts here; the first sessions begin within the following hours.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>
    /// No event is stamped later than this clock's now: once simulated time catches up with it, plays
    /// are stamped "now", as a live stream would be. With a clock that stays ahead of the simulation
    /// (a fixed clock, or a start far enough in the past) the sequence is fully reproducible.
    /// </summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Average listening sessions per listener per day (heavier and lighter listeners vary around it).</summary>
    public double SessionsPerDay { get; init; } = 3;

    /// <summary>Average number of plays in a session.</summary>
    public double MeanSessionPlays { get; init; } = 12;

    /// <summary>Share of plays that leave the listener's taste (radio, autoplay, a friend's link).</summary>
    public double ExplorationShare { get; init; } = 0.2;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Users, 1, nameof(Users));
        if (!(SessionsPerDay > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(SessionsPerDay), SessionsPerDay, "SessionsPerDay must be positive.");
        }

        if (!(MeanSessionPlays >= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MeanSessionPlays), MeanSessionPlays, "MeanSessionPlays must be at least 1.");
        }

        if (!(ExplorationShare is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ExplorationShare), ExplorationShare, "ExplorationShare must be between 0 and 1.");
        }

        ArgumentNullException.ThrowIfNull(Clock, nameof(Clock));
    }
}
