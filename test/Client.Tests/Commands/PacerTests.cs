using Encore.Client.Commands;
using Microsoft.Extensions.Time.Testing;

namespace Encore.Client.Tests.Commands;

public sealed class PacerTests
{
    [Fact]
    public void WithoutARateNothingWaits()
    {
        var pacer = new Pacer(0, new FakeTimeProvider());

        Assert.True(pacer.WaitForAsync(1_000_000, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void AnItemWaitsUntilItsSlotInTheSchedule()
    {
        var clock = new FakeTimeProvider();
        var pacer = new Pacer(10, clock);

        Assert.True(pacer.WaitForAsync(0, CancellationToken.None).IsCompleted);
        var fifth = pacer.WaitForAsync(5, CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(fifth.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(fifth.IsCompleted);
    }

    [Fact]
    public void ALateProducerCatchesUpWithoutWaiting()
    {
        var clock = new FakeTimeProvider();
        var pacer = new Pacer(100, clock);

        clock.Advance(TimeSpan.FromSeconds(1));

        // 100 items were due by now: none of them waits.
        Assert.True(pacer.WaitForAsync(100, CancellationToken.None).IsCompleted);
        Assert.False(pacer.WaitForAsync(102, CancellationToken.None).IsCompleted);
    }
}
