using Encore.Features;

namespace Encore.Grains.Tests.Features;

public sealed class ItemIdsTests
{
    [Fact]
    public void ANameKeepsItsNumberBeforeAndAfterPreloadingAndNamesAfterItStillGetOne()
    {
        var early = ItemIds.Of("item-ids-early");
        ItemIds.Preload(["item-ids-preloaded-1", "item-ids-early", "item-ids-preloaded-2"]);
        var late = ItemIds.Of(new string("item-ids-late".AsSpan()));

        Assert.Equal(early, ItemIds.Of(new string("item-ids-early".AsSpan())));
        Assert.Equal("item-ids-preloaded-2", ItemIds.NameOf(ItemIds.Of("item-ids-preloaded-2")));
        Assert.NotEqual(ItemIds.Of("item-ids-preloaded-1"), ItemIds.Of("item-ids-preloaded-2"));
        Assert.Equal(late, ItemIds.Of("item-ids-late"));
        Assert.Equal("item-ids-late", ItemIds.NameOf(late));
    }
}
