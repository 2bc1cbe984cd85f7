namespace Encore.Ranking;

/// <summary>
/// Model versions, their metrics and bytes: PostgreSQL when <c>ConnectionStrings:Postgres</c> is set
/// (<see cref="PostgresModelRegistry"/>), otherwise the memory of one grain (<see cref="GrainModelRegistry"/>).
/// The active version is the newest published one.
/// </summary>
public interface IModelRegistry
{
    /// <summary>Allocates the next version, status <see cref="ModelStatus.Training"/>.</summary>
    Task<ModelVersionInfo> ReserveAsync(DateTimeOffset at);

    /// <summary>Records the outcome of a training (status, metrics, window), and the bytes of a published or rejected model.</summary>
    Task CompleteAsync(ModelVersionInfo version, byte[]? model);

    Task<ModelList> ListAsync();

    Task<string?> GetActiveVersionAsync();

    Task<StoredModel?> GetActiveAsync();
}

/// <summary>Versions in memory; the state of <see cref="ModelRegistryGrain"/>. Not thread-safe: the grain serialises calls.</summary>
public sealed class ModelVersions
{
    private readonly List<(ModelVersionInfo Info, byte[]? Bytes)> _versions = [];

    public ModelVersionInfo Reserve(DateTimeOffset at)
    {
        var number = _versions.Count + 1;
        var info = new ModelVersionInfo($"ranker-{number}", number, at, ModelStatus.Training, [], CandidateFeatures.SchemaHash, null, null, "", null);
        _versions.Add((info, null));
        return info;
    }

    public void Complete(ModelVersionInfo version, byte[]? model)
    {
        var index = _versions.FindIndex(v => v.Info.Version == version.Version);
        if (index < 0)
        {
            throw new ArgumentException($"Version {version.Version} was never reserved.", nameof(version));
        }

        _versions[index] = (version, model);
    }

    public ModelList List() =>
        new(ActiveIndex() is var a and >= 0 ? _versions[a].Info.Version : null, [.. _versions.Select(v => v.Info).Reverse()]);

    public StoredModel? GetActive() => ActiveIndex() is var a and >= 0 ? new StoredModel(_versions[a].Info, _versions[a].Bytes!) : null;

    /// <summary>The newest published version (versions are kept in the order they were reserved).</summary>
    private int ActiveIndex() => _versions.FindLastIndex(v => v.Info.Status == ModelStatus.Published && v.Bytes is not null);
}

internal sealed class ModelRegistryGrain : Grain, IModelRegistryGrain
{
    private readonly ModelVersions _versions = new();

    public Task<ModelVersionInfo> ReserveAsync(DateTimeOffset at) => Task.FromResult(_versions.Reserve(at));

    public Task CompleteAsync(ModelVersionInfo version, byte[]? model)
    {
        _versions.Complete(version, model);
        return Task.CompletedTask;
    }

    public Task<ModelList> ListAsync() => Task.FromResult(_versions.List());

    public Task<string?> GetActiveVersionAsync() => Task.FromResult(_versions.List().Active);

    public Task<StoredModel?> GetActiveAsync() => Task.FromResult(_versions.GetActive());
}

/// <summary>The registry without PostgreSQL: one grain's memory, shared by the cluster.</summary>
public sealed class GrainModelRegistry(IGrainFactory grains) : IModelRegistry
{
    private IModelRegistryGrain Grain => grains.GetGrain<IModelRegistryGrain>(0);

    public Task<ModelVersionInfo> ReserveAsync(DateTimeOffset at) => Grain.ReserveAsync(at);

    public Task CompleteAsync(ModelVersionInfo version, byte[]? model) => Grain.CompleteAsync(version, model);

    public Task<ModelList> ListAsync() => Grain.ListAsync();

    public Task<string?> GetActiveVersionAsync() => Grain.GetActiveVersionAsync();

    public Task<StoredModel?> GetActiveAsync() => Grain.GetActiveAsync();
}
