using Orleans.TestingHost;

namespace Encore.Grains.Tests.Cluster;

/// <summary>
/// A test class's own one-silo cluster, configured by <typeparamref name="TConfigurator"/>: for settings
/// the shared <see cref="ClusterFixture"/> must not change for everyone else.
/// </summary>
public abstract class OneSiloCluster<TConfigurator> : IAsyncLifetime
    where TConfigurator : ISiloConfigurator, new()
{
    protected TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<TConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
