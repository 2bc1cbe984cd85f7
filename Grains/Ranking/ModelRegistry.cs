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

/// <summary>Versions in one process's memory: the state of <see cref="ModelRegistryGrain"/>.</summary>
public sealed class MemoryModelRegistry : IModelRegistry
{
    private readonly Lock _lock = new();
    private readonly List<(ModelVersionInfo Info, byte[]? Bytes)> _versions = [];

    public Task<ModelVersionInfo> ReserveAsync(DateTimeOffset at)
    {
        lock (_lock)
        {
            var number = _versions.Count + 1;
            var info = new ModelVersionInfo($"ranker-{number}", number, at, ModelStatus.Training, [], CandidateFeatures.SchemaHash, null, null, "", null);
            _versions.Add((info, null));
            return Task.FromResult(info);
        }
    }

    public Task CompleteAsync(ModelVersionInfo version, byte[]? model)
    {
        lock (_lock)
        {
            var index = _versions.FindIndex(v => v.Info.Version == version.Version);
            if (index < 0)
            {
                throw new ArgumentException($"Version {version.Version} was never reserved.", nameof(version));
            }

            _versions[index] = (version, model);
            return Task.CompletedTask;
        }
    }

    public Task<ModelList> ListAsync()
    {
        lock (_lock)
        {
            var active = ActiveIndex();
            return Task.FromResult(new ModelList(active >= 0 ? _versions[active].Info.Version : null, [.. _versions.Select(v => v.Info).Reverse()]));
        }
    }

    public async Task<string?> GetActiveVersionAsync() => (await ListAsync()).Active;

    public Task<StoredModel?> GetActiveAsync()
    {
        lock (_lock)
        {
            var active = ActiveIndex();
            return Task.FromResult(active >= 0 ? new StoredModel(_versions[active].Info, _versions[active].Bytes!) : null);
        }
    }

    /// <summary>The newest published version (versions are kept in the order they were reserved).</summary>
    private int ActiveIndex() => _versions.FindLastIndex(v => v.Info.Status == ModelStatus.Published && v.Bytes is not null);
}

internal sealed class ModelRegistryGrain : Grain, IModelRegistryGrain
{
    private readonly MemoryModelRegistry _versions = new();

    public Task<ModelVersionInfo> ReserveAsync(DateTimeOffset at) => _versions.ReserveAsync(at);

    public Task CompleteAsync(ModelVersionInfo version, byte[]? model) => _versions.CompleteAsync(version, model);

    public Task<ModelList> ListAsync() => _versions.ListAsync();

    public Task<string?> GetActiveVersionAsync() => _versions.GetActiveVersionAsync();

    public Task<StoredModel?> GetActiveAsync() => _versions.GetActiveAsync();
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
