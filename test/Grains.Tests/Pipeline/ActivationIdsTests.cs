using Encore.Pipeline;

namespace Encore.Grains.Tests.Pipeline;

public sealed class ActivationIdsTests
{
    [Fact]
    public async Task IdsAreDistinctAndNeverEmptyWhenDrawnFromManyThreadsAtOnce()
    {
        var drawn = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 10_000).Select(_ => ActivationIds.Next()).ToArray())));
        var ids = drawn.SelectMany(i => i).ToArray();

        Assert.Equal(80_000, ids.Distinct().Count());
        Assert.DoesNotContain(Guid.Empty, ids);
    }
}
