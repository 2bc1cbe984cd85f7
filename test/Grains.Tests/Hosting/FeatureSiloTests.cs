using Encore.Grains.Tests.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Encore.Grains.Tests.Hosting;

[Collection(ClusterCollection.Name)]
public sealed class FeatureSiloTests(ClusterFixture fixture)
{
    [Fact]
    public void EachSiloCachesGrainAddressesForEncoresGrainsNotAMillion()
    {
        var silos = fixture.Cluster.Silos.Cast<InProcessSiloHandle>().ToList();
        Assert.Equal(2, silos.Count);
        foreach (var silo in silos)
        {
            var options = silo.ServiceProvider.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
            Assert.Equal(FeatureSiloBuilderExtensions.DirectoryCacheSize, options.CacheSize);
        }
    }
}
