using Encore.Grains.Tests.Cluster;
using Encore.Hosting;
using Encore.Similarity;
using Encore.Users;

namespace Encore.Grains.Tests.Hosting;

[Collection(ClusterCollection.Name)]
public sealed class StringKeyedGrainsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AReferenceIsTheOneGetGrainGivesAndReachesTheGrain()
    {
        var client = fixture.Client;
        foreach (var key in new[] { "artist \u00e9", "a/b", "type" })
        {
            var expected = (GrainReference)client.GetGrain<IArtistGrain>(key);
            var actual = (GrainReference)client.Get<IArtistGrain>(key);
            Assert.Equal((expected.GrainId, expected.InterfaceType), (actual.GrainId, actual.InterfaceType));
        }

        Assert.Throws<ArgumentException>(() => client.Get<IArtistGrain>(" "));

        // Each interface has its own types: a user grain's reference after an artist grain's.
        var user = (GrainReference)client.Get<IUserGrain>("never-seen-keyed");
        Assert.Equal(((GrainReference)client.GetGrain<IUserGrain>("never-seen-keyed")).GrainId, user.GrainId);
        Assert.Null(await client.Get<IUserGrain>("never-seen-keyed").GetProfileAsync());
        Assert.Equal(0, (await client.Get<IArtistGrain>("nobody-keyed").GetNeighboursAsync(5)).Occurrences);
    }
}
