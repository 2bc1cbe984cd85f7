using Microsoft.Extensions.Options;

namespace Encore.Ranking;

/// <summary>Configuration section <c>Ranker</c>: when the ranker is retrained and when a new model is published.</summary>
public sealed class RankerOptions
{
    public const string SectionName = "Ranker";

    /// <summary>How often the schedule trains (when <see cref="MinNewEvents"/> arrived since the last training).</summary>
    public TimeSpan TrainInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Events the cluster must have processed since the last training for the schedule to train again.</summary>
    public long MinNewEvents { get; set; } = 100_000;

    /// <summary>Relative NDCG@20 margin by which a new model must beat the active model and the heuristic.</summary>
    public double MinImprovement { get; set; } = 0.02;

    /// <summary>How often every silo asks the registry for the active version.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>At most this many listeners' training snapshots are used per training (chosen by a hash of the id).</summary>
    public int MaxListeners { get; set; } = 5_000;

    /// <summary>Share of the sampled listeners held out for the gate.</summary>
    public double HoldoutShare { get; set; } = 0.2;

    /// <summary>One in this many plays (chosen by eventId) of a listener with a history gets a training snapshot; 0 takes none.</summary>
    public int SnapshotEvery { get; set; } = 32;

    /// <summary>At most this many training snapshots a second on each silo, and <c>TrainingLog.MaxInFlight</c> at once; 0: neither limit.</summary>
    public double SnapshotsPerSecond { get; set; } = 20;

    /// <summary>Training snapshots each silo keeps in memory (the newest).</summary>
    public int SnapshotCapacity { get; set; } = 2_000;

    /// <summary>Train with FastTree even when LightGBM loads (for comparisons and tests).</summary>
    public bool FastTreeOnly { get; set; }
}

internal sealed class RankerOptionsValidator : IValidateOptions<RankerOptions>
{
    public ValidateOptionsResult Validate(string? name, RankerOptions o)
    {
        var errors = new List<string>();
        if (o.TrainInterval < TimeSpan.FromMinutes(1))
        {
            errors.Add($"Ranker:TrainInterval is {o.TrainInterval}; set Ranker__TrainInterval to at least 00:01:00 (default 01:00:00).");
        }

        if (o.MinNewEvents < 0)
        {
            errors.Add($"Ranker:MinNewEvents is {o.MinNewEvents}; set Ranker__MinNewEvents to 0 or more (default 100000).");
        }

        if (o.MinImprovement is < 0 or > 1)
        {
            errors.Add($"Ranker:MinImprovement is {o.MinImprovement}; set Ranker__MinImprovement between 0 and 1 (default 0.02, a relative margin).");
        }

        if (o.PollInterval < TimeSpan.FromMilliseconds(100) || o.PollInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Ranker:PollInterval is {o.PollInterval}; set Ranker__PollInterval between 00:00:00.1 and 00:05:00 (default 00:00:03).");
        }

        if (o.MaxListeners < 10)
        {
            errors.Add($"Ranker:MaxListeners is {o.MaxListeners}; set Ranker__MaxListeners to at least 10 (default 5000).");
        }

        if (o.HoldoutShare is <= 0 or >= 1)
        {
            errors.Add($"Ranker:HoldoutShare is {o.HoldoutShare}; set Ranker__HoldoutShare between 0 and 1, exclusive (default 0.2).");
        }

        if (o.SnapshotEvery < 0)
        {
            errors.Add($"Ranker:SnapshotEvery is {o.SnapshotEvery}; set Ranker__SnapshotEvery to 0 (no snapshots) or more (default 32).");
        }

        if (o.SnapshotsPerSecond < 0)
        {
            errors.Add($"Ranker:SnapshotsPerSecond is {o.SnapshotsPerSecond}; set Ranker__SnapshotsPerSecond to 0 (no limit) or more (default 20).");
        }

        if (o.SnapshotCapacity < 1)
        {
            errors.Add($"Ranker:SnapshotCapacity is {o.SnapshotCapacity}; set Ranker__SnapshotCapacity to at least 1 (default 2000).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
