using Encore.Features;

namespace Encore.Grains.Tests.Features;

public sealed class PlayWindowsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 30, TimeSpan.Zero);

    [Fact]
    public void EachWindowCountsThePlaysOfItsOwnEventTimeSpan()
    {
        var windows = new PlayWindows();
        windows.Add(Now.AddMinutes(-10), skip: false, Now);
        windows.Add(Now.AddHours(-3), skip: true, Now);
        windows.Add(Now.AddDays(-2), skip: false, Now);
        windows.Add(Now.AddDays(-8), skip: false, Now);

        Assert.Equal((1, 0), windows.Count(PlayWindows.Hour, Now));
        Assert.Equal((2, 1), windows.Count(PlayWindows.Day, Now));
        Assert.Equal((3, 1), windows.Count(PlayWindows.Week, Now));
    }

    [Fact]
    public void TheHourIsThisMinuteAndTheFiftyNineBeforeIt()
    {
        var windows = new PlayWindows();
        windows.Add(new DateTimeOffset(2026, 11, 25, 11, 1, 0, TimeSpan.Zero), skip: false, Now);   // 59 minutes back: in
        windows.Add(new DateTimeOffset(2026, 11, 25, 11, 0, 59, TimeSpan.Zero), skip: false, Now);  // 60 minutes back: out

        Assert.Equal(1, windows.Count(PlayWindows.Hour, Now).Plays);
        Assert.Equal(2, windows.Count(PlayWindows.Day, Now).Plays);
    }

    [Fact]
    public void ALateEventLandsInItsOwnBucketEvenAfterNewerOnes()
    {
        var windows = new PlayWindows();
        windows.Add(Now.AddMinutes(-1), skip: false, Now);
        windows.Add(Now.AddMinutes(-50), skip: false, Now);
        windows.Add(Now.AddMinutes(-70), skip: false, Now);

        Assert.Equal(2, windows.Count(PlayWindows.Hour, Now).Plays);
        Assert.Equal(3, windows.Count(PlayWindows.Day, Now).Plays);
    }

    [Fact]
    public void WindowsSlideWithTheClockWithoutNewPlays()
    {
        var windows = new PlayWindows();
        windows.Add(Now.AddMinutes(-10), skip: false, Now);

        Assert.Equal(1, windows.Count(PlayWindows.Hour, Now).Plays);
        Assert.Equal(0, windows.Count(PlayWindows.Hour, Now.AddHours(1)).Plays);
        // 11:50 today is in "this hour and the 23 before" until 11:00 tomorrow starts a new hour bucket.
        Assert.Equal(1, windows.Count(PlayWindows.Day, Now.AddHours(22)).Plays);
        Assert.Equal(0, windows.Count(PlayWindows.Day, Now.AddHours(23)).Plays);
        Assert.Equal(1, windows.Count(PlayWindows.Week, Now.AddDays(6)).Plays);
        Assert.Equal(0, windows.Count(PlayWindows.Week, Now.AddDays(8)).Plays);
    }

    [Fact]
    public void ABucketThatSlidOutOfTheHourNoLongerCountsInIt()
    {
        var windows = new PlayWindows();
        windows.Add(Now.AddMinutes(-5), skip: false, Now);
        var later = Now.AddMinutes(55);
        windows.Add(later, skip: false, later);

        Assert.Equal(1, windows.Count(PlayWindows.Hour, later).Plays);
        Assert.Equal(2, windows.Count(PlayWindows.Day, later).Plays);
    }

    [Fact]
    public void PlaysStampedInTheFutureCountAsNow()
    {
        var windows = new PlayWindows();
        windows.Add(Now.AddHours(5), skip: false, Now);

        Assert.Equal(1, windows.Count(PlayWindows.Hour, Now).Plays);
    }
}
