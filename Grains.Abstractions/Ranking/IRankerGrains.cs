using Encore.Recommendations;

namespace Encore.Ranking;

/// <summary>
/// The one place that decides when and where the ranker is trained (key 0). It lives on one silo; that
/// silo's training service does the work on the thread pool, off the grain scheduler, and this grain
/// only starts it: on demand, and on the schedule of <c>Ranker:TrainInterval</c> and
/// <c>Ranker:MinNewEvents</c>. Every silo calls <see cref="KeepAliveAsync"/> now and then, so the
/// grain (and its schedule) comes back on another silo when its silo dies.
/// </summary>
public interface IRankerTrainerGrain : IGrainWithIntegerKey
{
    /// <summary>Starts training now unless a training is running; returns the version being trained.</summary>
    Task<string> TrainAsync();

    /// <summary>Activates the grain, which keeps the schedule while it is active.</summary>
    Task KeepAliveAsync();
}

/// <summary>
/// The model registry when PostgreSQL is not configured (key 0): versions, their metrics and bytes in
/// the memory of whichever silo hosts it, shared by every silo of the cluster, gone when it deactivates
/// or its silo stops.
/// </summary>
public interface IModelRegistryGrain : IGrainWithIntegerKey
{
    Task<ModelVersionInfo> ReserveAsync(DateTimeOffset at);

    Task CompleteAsync(ModelVersionInfo version, byte[]? model);

    Task<ModelList> ListAsync();

    /// <summary>The active version's name, or <c>null</c> when no model was published.</summary>
    Task<string?> GetActiveVersionAsync();

    /// <summary>The active version with its bytes, or <c>null</c>.</summary>
    Task<StoredModel?> GetActiveAsync();
}

/// <summary>
/// One per silo, keyed on the silo address (<c>SiloAddress.ToParsableString()</c>) and always placed on
/// that silo: reads the training snapshots that silo's user grains logged, for the training service.
/// </summary>
public interface ITrainingLogGrain : IGrainWithStringKey
{
    /// <summary>
    /// Up to <paramref name="take"/> snapshots from position <paramref name="skip"/>, oldest first. Pages
    /// read while the log is full and still filling shift by what was dropped meanwhile, so a few
    /// snapshots can be skipped or read twice: harmless for a training, which takes a sample.
    /// </summary>
    Task<TrainingSnapshot[]> GetAsync(int skip, int take);
}

/// <summary>
/// What the recommender proposed to a listener just before one of their plays, with every candidate's
/// features as they were then: a training group once the plays that followed label it.
/// </summary>
/// <param name="At">The event time of the play the snapshot was taken before (the cut-off T).</param>
/// <param name="PlaysBefore">The listener's play count before that play.</param>
/// <param name="Heard">What the listener had heard by then (left out of the candidates).</param>
[GenerateSerializer, Immutable]
public sealed record TrainingSnapshot(
    [property: Id(0)] string UserId,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] long PlaysBefore,
    [property: Id(3)] string[] Heard,
    [property: Id(4)] CandidateSet Candidates);

/// <summary>Statuses of a model version.</summary>
public static class ModelStatus
{
    public const string Training = "training";
    public const string Published = "published";
    public const string Rejected = "rejected";
    public const string Failed = "failed";
}

/// <summary>One trained (or training) model version, without its bytes.</summary>
/// <param name="Version">Its name, <c>ranker-N</c>; N grows by one per training.</param>
/// <param name="Metrics">Recall@20 and NDCG@20 of it, the active model and the heuristic on held-out listeners, and training figures.</param>
/// <param name="SchemaHash">The feature schema it was trained on; a silo loads only a model of its own schema.</param>
/// <param name="WindowStart">The earliest cut-off of its training snapshots.</param>
/// <param name="WindowEnd">The newest play that labelled one of them.</param>
/// <param name="Trainer">lightgbm, or fasttree when LightGBM's native library could not load.</param>
/// <param name="Note">Why it was rejected or failed.</param>
[GenerateSerializer, Immutable]
public sealed record ModelVersionInfo(
    [property: Id(0)] string Version,
    [property: Id(1)] long Number,
    [property: Id(2)] DateTimeOffset TrainedAt,
    [property: Id(3)] string Status,
    [property: Id(4)] Dictionary<string, double> Metrics,
    [property: Id(5)] string SchemaHash,
    [property: Id(6)] DateTimeOffset? WindowStart,
    [property: Id(7)] DateTimeOffset? WindowEnd,
    [property: Id(8)] string Trainer,
    [property: Id(9)] string? Note);

/// <summary>Every version, newest first, and the active one (the newest published).</summary>
[GenerateSerializer, Immutable]
public sealed record ModelList([property: Id(0)] string? Active, [property: Id(1)] ModelVersionInfo[] Versions);

[GenerateSerializer, Immutable]
public sealed record StoredModel([property: Id(0)] ModelVersionInfo Info, [property: Id(1)] byte[] Bytes);
