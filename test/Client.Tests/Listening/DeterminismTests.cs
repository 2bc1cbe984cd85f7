using Encore.Client.Listening;
using static Encore.Client.Tests.Listening.TestData;

namespace Encore.Client.Tests.Listening;

public sealed class DeterminismTests
{
    [Theory]
    [InlineData(ListeningFormat.Spotify, "export/StreamingHistory0.json", SpotifyExportReaderTests.AccountHistory)]
    [InlineData(ListeningFormat.Spotify, "export/Streaming_History_Audio_2026.json", SpotifyExportReaderTests.ExtendedHistory)]
    [InlineData(ListeningFormat.Mpd, "mpd.slice.0-999.json", MpdReaderTests.FirstSlice)]
    public void TwoReadsOfTheSameDataGiveTheSameEvents(ListeningFormat format, string file, string contents)
    {
        using var scratch = new ScratchDirectory();
        scratch.Write(file, contents);

        var first = ListeningSources.Read(format, scratch.Path, TinyCatalog(), new ListeningReadSummary()).SelectMany(l => l.Plays).ToList();
        var second = ListeningSources.Read(format, scratch.Path, TinyCatalog(), new ListeningReadSummary()).SelectMany(l => l.Plays).ToList();

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
        Assert.Equal(first.Count, first.Select(p => p.EventId).Distinct().Count());
        Assert.All(first, p => Assert.Matches("^[0-9a-f]{32}$", p.EventId));
    }

    [Fact]
    public void TheSamePlayInAnotherPlaylistOrPositionHasAnotherId()
    {
        var id = EventIds.For("mpd", "mpd-7", "0", "spotify:track:1");

        Assert.NotEqual(id, EventIds.For("mpd", "mpd-8", "0", "spotify:track:1"));
        Assert.NotEqual(id, EventIds.For("mpd", "mpd-7", "1", "spotify:track:1"));
        Assert.NotEqual(EventIds.For("ab", "c"), EventIds.For("a", "bc"));
        Assert.Equal(id, EventIds.For("mpd", "mpd-7", "0", "spotify:track:1"));
    }
}
