using Encore.Features;

namespace Encore.Grains.Tests.Features;

public sealed class SharedStringsTests
{
    [Fact]
    public void EqualNamesFromDifferentMessagesBecomeOneInstance()
    {
        var first = new string("artist \u00e9 shared".AsSpan());
        var second = new string("artist \u00e9 shared".AsSpan());
        Assert.NotSame(first, second);

        var shared = SharedStrings.Of(first);
        Assert.Same(shared, SharedStrings.Of(second));
        Assert.Equal("artist \u00e9 shared", shared);

        // Ordinal: a name differing only in case or normalization is another name.
        Assert.NotSame(shared, SharedStrings.Of("ARTIST \u00c9 SHARED"));
        Assert.Equal("artist e\u0301 shared", SharedStrings.Of("artist e\u0301 shared"));
    }
}
