using System.Text;
using Encore.Client.Listening;
using static Encore.Client.Tests.Listening.TestData;

namespace Encore.Client.Tests.Listening;

public sealed class MpdReaderTests
{
    private const long ModifiedAt = 1_700_000_000;

    // Playlist 7: an id match, an id that beats the names (Halo's names, Drunk in Love's id), a name match
    // with other case and accents, an artist-only match, an unknown track, and Halo a second time.
    // Playlist 8 has no modified_at; its artist (Jay-Z) is credited first on Otis and second on Drunk in Love.
    // The info object carries a decoy "playlists" key one level down.
    internal const string FirstSlice = """
        {"info":{"slice":"0-999","playlists":"decoy"},"playlists":[
          {"pid":7,"name":"mix","modified_at":1700000000,"tracks":[
            {"pos":0,"artist_name":"Beyoncé","track_uri":"spotify:track:1111111111111111111111","track_name":"Halo","duration_ms":261000},
            {"pos":1,"artist_name":"Beyoncé","track_uri":"spotify:track:2222222222222222222222","track_name":"Halo","duration_ms":261000},
            {"pos":2,"artist_name":"SIGUR ROS","track_uri":"spotify:track:zzzzzzzzzzzzzzzzzzzzzz","track_name":"hoppipolla"},
            {"pos":3,"artist_name":"Kanye West","track_uri":"spotify:track:yyyyyyyyyyyyyyyyyyyyyy","track_name":"Gold Digger"},
            {"pos":4,"artist_name":"Nobody","track_uri":"spotify:track:xxxxxxxxxxxxxxxxxxxxxx","track_name":"Nothing"},
            {"pos":5,"artist_name":"Beyoncé","track_uri":"spotify:track:1111111111111111111111","track_name":"Halo"}]},
          {"pid":8,"name":"no date","tracks":[
            {"pos":0,"artist_name":"Jay-Z","track_uri":"spotify:track:wwwwwwwwwwwwwwwwwwwwww","track_name":"Izzo"}]}
        ]}
        """;

    // Playlist 7 again (left out), and a playlist with nothing the catalog knows.
    private const string SecondSlice = """
        {"playlists":[
          {"pid":7,"name":"copy","modified_at":1700000000,"tracks":[{"pos":0,"artist_name":"Beyoncé","track_uri":"spotify:track:1111111111111111111111","track_name":"Halo"}]},
          {"pid":9,"name":"unknown","modified_at":1700000000,"tracks":[{"pos":0,"artist_name":"Nobody","track_uri":"spotify:track:x","track_name":"n"}]}
        ]}
        """;

    private const string BrokenSlice = """{"playlists":[{"pid":10,"name":"empty","tracks":[]},{"pid":11,"tra""";

    // Sorted as numbers this slice comes last; sorted as text it would come before 2000-2999.
    private const string LastSlice = """
        {"playlists":[{"pid":12,"modified_at":1700000000,"tracks":[{"artist_name":"Kanye West","track_uri":"spotify:track:5555555555555555555555","track_name":"Stronger"}]}]}
        """;

    [Fact]
    public void PlaylistsAreListenersWhoPlayTheirTracksInOrderFourMinutesApart()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("mpd.slice.0-999.json", FirstSlice);
        var summary = new ListeningReadSummary();

        var listeners = ListeningSources.Read(ListeningFormat.Mpd, scratch.Path, TinyCatalog(), summary).ToList();

        Assert.Equal(["mpd-7", "mpd-8"], listeners.Select(l => l.UserId));
        var mix = listeners[0].Plays;
        Assert.Equal([Halo, DrunkInLove, Hoppipolla, Heartless, Halo], mix.Select(p => p.TrackId));
        var last = DateTimeOffset.FromUnixTimeSeconds(ModifiedAt);
        Assert.Equal([last.AddMinutes(-16), last.AddMinutes(-12), last.AddMinutes(-8), last.AddMinutes(-4), last], mix.Select(p => p.Ts));
        // A full play of the catalog track, whatever the playlist says.
        Assert.Equal([261_000L, 323_000, 268_000, 211_000, 261_000], mix.Select(p => p.MsPlayed));
        Assert.All(mix, p => Assert.False(p.IsSkip));
        Assert.Equal(5, mix.Select(p => p.EventId).Distinct().Count());

        var undated = Assert.Single(listeners[1].Plays);
        Assert.Equal((Otis, ListeningReadOptions.DefaultMpdModifiedAt, 178_000L), (undated.TrackId, undated.Ts, undated.MsPlayed));
        Assert.Equal((3, 1, 2, 1, 0), (summary.MatchedById, summary.MatchedByName, summary.MatchedByArtist, summary.Unmatched, summary.Rejected));
        Assert.Equal("1 playlist(s) have no modified_at: their last play is stamped 2017-11-01T00:00:00Z.", Assert.Single(summary.Notes));
    }

    [Fact]
    public void SlicesAreReadInNumberOrderAndDuplicateOrBrokenOnesAreRejectedWithoutStoppingTheRead()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("data/mpd.slice.10000-10999.json", LastSlice);
        scratch.Write("data/mpd.slice.2000-2999.json", BrokenSlice);
        scratch.Write("data/mpd.slice.1000-1999.json", SecondSlice);
        scratch.Write("data/mpd.slice.0-999.json", FirstSlice);
        var summary = new ListeningReadSummary();

        var listeners = ListeningSources.Read(ListeningFormat.Mpd, scratch.Path, TinyCatalog(), summary).ToList();

        Assert.Equal(["mpd-7", "mpd-8", "mpd-12"], listeners.Select(l => l.UserId));
        Assert.Equal(5, listeners[0].Plays.Count);
        Assert.Equal(
            [("data/mpd.slice.1000-1999.json", "playlist 7", "DuplicatePlaylist"), ("data/mpd.slice.2000-2999.json", "after 1 playlist(s)", "NotJson")],
            summary.Rejections.Select(r => (r.File, r.Where, r.Reason)));
        Assert.Equal((4, 1, 2, 2, 2), (summary.MatchedById, summary.MatchedByName, summary.MatchedByArtist, summary.Unmatched, summary.Rejected));
        Assert.Equal((7, 3, 4), (summary.Events, summary.Listeners, summary.Files));
        Assert.Equal(summary.BytesTotal, summary.BytesRead);
    }

    [Fact]
    public void ASliceLargerThanTheReadBufferIsReadOnePlaylistAtATime()
    {
        // 300 playlists of 40 tracks, then one of 3 000 (about 300 KB, several times the first buffer).
        using var scratch = new ScratchDirectory();
        var slice = new StringBuilder("""{"info":{"slice":"0-999"},"playlists":[""");
        for (var pid = 0; pid <= 300; pid++)
        {
            var tracks = pid < 300 ? 40 : 3_000;
            slice.Append(pid > 0 ? "," : "").Append("{\"pid\":").Append(pid).Append(",\"modified_at\":1700000000,\"tracks\":[");
            for (var pos = 0; pos < tracks; pos++)
            {
                slice.Append(pos > 0 ? "," : "")
                    .Append("{\"pos\":").Append(pos)
                    .Append(",\"artist_name\":\"Sigur Rós\",\"track_uri\":\"spotify:track:3333333333333333333333\",\"track_name\":\"Hoppípolla\",\"album_name\":\"Takk...\"}");
            }

            slice.Append("]}");
        }

        scratch.Write("mpd.slice.0-999.json", slice.Append("]}").ToString());
        var summary = new ListeningReadSummary();

        var listeners = ListeningSources.Read(ListeningFormat.Mpd, scratch.Path, TinyCatalog(), summary).ToList();

        Assert.Equal(301, listeners.Count);
        Assert.Equal(3_000, listeners[^1].Plays.Count);
        Assert.Equal(15_000, summary.Events);
        Assert.Equal(0, summary.Rejected);
        Assert.Equal(Enumerable.Range(0, 301).Select(pid => $"mpd-{pid}"), listeners.Select(l => l.UserId));
    }
}
