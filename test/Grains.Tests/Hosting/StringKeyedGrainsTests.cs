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
        foreach (var key in new[] { "artist/\u00e9", "a/b", "type" })
        {
            var expected = (GrainReference)client.GetGrain<ICoOccurrenceBucketGrain>(key);
            var actual = (GrainReference)client.Get<ICoOccurrenceBucketGrain>(key);
            Assert.Equal((expected.GrainId, expected.InterfaceType), (actual.GrainId, actual.InterfaceType));
        }

        Assert.Throws<ArgumentException>(() => client.Get<ICoOccurrenceBucketGrain>(" "));

        // Each interface has its own types: a user grain's reference after a bucket grain's.
        var user = (GrainReference)client.Get<IUserGrain>("never-seen-keyed");
        Assert.Equal(((GrainReference)client.GetGrain<IUserGrain>("never-seen-keyed")).GrainId, user.GrainId);
        Assert.Null(await client.Get<IUserGrain>("never-seen-keyed").GetProfileAsync());
        Assert.Equal(0, (await client.Get<ICoOccurrenceBucketGrain>("artist/nobody-keyed").GetNeighboursAsync("nobody", 5)).Occurrences);
    }
}
