using Encore.Client.Listening;
using static Encore.Client.Tests.Listening.TestData;

namespace Encore.Client.Tests.Listening;

public sealed class SpotifyExportReaderTests
{
    // Names differ from the catalog's in case, accents and spacing; the first entry comes twice; a podcast,
    // an unknown track and an entry with an unreadable endTime.
    internal const string AccountHistory = """
        [
          {"endTime":"2026-11-20 10:05","artistName":"BEYONCE ","trackName":"halo","msPlayed":200000},
          {"endTime":"2026-11-20 09:00","artistName":"Sigur  Ros","trackName":"Hoppipolla","msPlayed":268000},
          {"endTime":"2026-11-20 10:05","artistName":"BEYONCE ","trackName":"halo","msPlayed":200000},
          {"endTime":"2026-11-20 11:00","artistName":"Unknown Band","trackName":"Nothing","msPlayed":1000},
          {"endTime":"2026-11-20 11:30","podcastName":"Some Podcast","episodeName":"Episode 1","msPlayed":1800000},
          {"endTime":"yesterday","artistName":"Beyoncé","trackName":"Halo","msPlayed":1}
        ]
        """;

    // The first entry's id is Drunk in Love while its names say Halo: the id wins. The second's id is not
    // in the catalog, so its names decide. A podcast episode, and a track whose artist alone is known.
    internal const string ExtendedHistory = """
        [
          {"ts":"2026-11-21T08:00:00Z","spotify_track_uri":"spotify:track:2222222222222222222222","master_metadata_track_name":"Halo",
           "master_metadata_album_artist_name":"Beyoncé","ms_played":5000,"reason_start":"clickrow","reason_end":"fwdbtn",
           "skipped":true,"shuffle":false,"platform":"android","conn_country":"SE"},
          {"ts":"2026-11-21T07:00:00Z","spotify_track_uri":"spotify:track:0000000000000000000000","master_metadata_track_name":"Stronger",
           "master_metadata_album_artist_name":"kanye west","ms_played":311000,"reason_start":"trackdone","reason_end":"trackdone",
           "skipped":null,"shuffle":true,"platform":"ios","conn_country":"US"},
          {"ts":"2026-11-21T09:00:00Z","spotify_track_uri":null,"master_metadata_track_name":null,"master_metadata_album_artist_name":null,
           "episode_name":"Episode 2","spotify_episode_uri":"spotify:episode:abc","ms_played":100000},
          {"ts":"2026-11-21T09:30:00Z","spotify_track_uri":"spotify:track:0000000000000000000001","master_metadata_track_name":"Unknown",
           "master_metadata_album_artist_name":"Kanye West","ms_played":100000}
        ]
        """;

    [Fact]
    public void TheAccountHistoryMatchesByArtistAndNameIgnoringCaseAccentsAndSpacing()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("My Export/StreamingHistory0.json", AccountHistory);
        var summary = new ListeningReadSummary();

        var listener = Assert.Single(ListeningSources.Read(ListeningFormat.Spotify, scratch.Path, TinyCatalog(), summary));

        Assert.Equal("spotify-my-export", listener.UserId);
        Assert.Equal([Hoppipolla, Halo, Halo], listener.Plays.Select(p => p.TrackId));
        Assert.Equal(
            [new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 20, 10, 5, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 20, 10, 5, 0, TimeSpan.Zero)],
            listener.Plays.Select(p => p.Ts));
        Assert.Equal([268_000L, 200_000, 200_000], listener.Plays.Select(p => p.MsPlayed));
        // The same entry twice is two plays.
        Assert.Equal(3, listener.Plays.Select(p => p.EventId).Distinct().Count());
        Assert.Equal((0, 3, 0, 2, 1), (summary.MatchedById, summary.MatchedByName, summary.MatchedByArtist, summary.Unmatched, summary.Rejected));
        var rejection = Assert.Single(summary.Rejections);
        Assert.Equal(("My Export/StreamingHistory0.json", "entry 6", "MissingField"), (rejection.File, rejection.Where, rejection.Reason));
    }

    [Fact]
    public void TheExtendedHistoryMatchesByIdFirstAndKeepsTheContextFields()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("ext/Streaming_History_Audio_2026.json", ExtendedHistory);
        var summary = new ListeningReadSummary();

        var listener = Assert.Single(ListeningSources.Read(ListeningFormat.Spotify, scratch.Path, TinyCatalog(), summary));

        Assert.Equal("spotify-ext", listener.UserId);
        Assert.Equal([Stronger, DrunkInLove], listener.Plays.Select(p => p.TrackId));
        var play = listener.Plays[1];
        Assert.Equal(
            (new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero), 5_000L, "clickrow", "fwdbtn", (bool?)true, (bool?)false, "android", "SE"),
            (play.Ts, play.MsPlayed, play.ReasonStart, play.ReasonEnd, play.Skipped, play.Shuffle, play.Platform, play.Country));
        Assert.Null(listener.Plays[0].Skipped);
        Assert.True(listener.Plays[0].Shuffle);
        Assert.Equal((1, 1, 0, 2, 0), (summary.MatchedById, summary.MatchedByName, summary.MatchedByArtist, summary.Unmatched, summary.Rejected));
    }

    [Fact]
    public void EachExportFolderIsAListenerAndAGivenUserIdNeedsExactlyOne()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("b/endsong_0.json", ExtendedHistory);
        scratch.Write("a/StreamingHistory0.json", AccountHistory);

        var listeners = ListeningSources.Read(ListeningFormat.Spotify, scratch.Path, TinyCatalog(), new ListeningReadSummary()).ToList();
        var named = ListeningSources.Read(
            ListeningFormat.Spotify, Path.Combine(scratch.Path, "b"), TinyCatalog(), new ListeningReadSummary(), new ListeningReadOptions { UserId = "alice" });

        Assert.Equal(["spotify-a", "spotify-b"], listeners.Select(l => l.UserId));
        Assert.Equal(["alice", "alice"], named.SelectMany(l => l.Plays).Select(p => p.UserId));
        Assert.Throws<ArgumentException>(() => ListeningSources.Read(
            ListeningFormat.Spotify, scratch.Path, TinyCatalog(), new ListeningReadSummary(), new ListeningReadOptions { UserId = "alice" }));
    }

    [Fact]
    public void AFolderWithBothHistoriesIsReadFromTheExtendedOneAlone()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("export/StreamingHistory0.json", AccountHistory);
        scratch.Write("export/Streaming_History_Audio_2026.json", ExtendedHistory);
        var summary = new ListeningReadSummary();

        var listener = Assert.Single(ListeningSources.Read(ListeningFormat.Spotify, scratch.Path, TinyCatalog(), summary));

        Assert.Equal([Stronger, DrunkInLove], listener.Plays.Select(p => p.TrackId));
        Assert.Equal(
            $"{Path.Combine(scratch.Path, "export")}: read the extended streaming history; 1 StreamingHistory file(s) left out (the same plays with less detail).",
            Assert.Single(summary.Notes));
        Assert.Equal(summary.BytesTotal, summary.BytesRead);
    }

    [Fact]
    public void AFileThatIsNotAHistoryIsRejectedAndTheOthersAreRead()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("export/endsong_0.json", "{\"not\": \"an array\"}");
        scratch.Write("export/endsong_1.json", ExtendedHistory);
        var summary = new ListeningReadSummary();

        var listener = Assert.Single(ListeningSources.Read(ListeningFormat.Spotify, scratch.Path, TinyCatalog(), summary));

        Assert.Equal(2, listener.Plays.Count);
        var rejection = Assert.Single(summary.Rejections);
        Assert.Equal(("export/endsong_0.json", "", "NotJson"), (rejection.File, rejection.Where, rejection.Reason));
    }

    [Theory]
    [InlineData("Beyoncé", "beyonce")]
    [InlineData("  Sigur   Rós ", "sigur ros")]
    [InlineData("MÖTLEY\tCRÜE", "motley crue")]
    [InlineData(null, "")]
    public void NamesAreComparedWithoutCaseAccentsOrExtraSpace(string? name, string normalized) =>
        Assert.Equal(normalized, CatalogMatcher.Normalize(name));

    [Theory]
    [InlineData("spotify:track:4iV5W9uYEdYUVa79Axb7Rh", "4iV5W9uYEdYUVa79Axb7Rh")]
    [InlineData("https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh?si=x", "4iV5W9uYEdYUVa79Axb7Rh")]
    [InlineData("4iV5W9uYEdYUVa79Axb7Rh", "4iV5W9uYEdYUVa79Axb7Rh")]
    [InlineData("spotify:episode:abc", null)]
    [InlineData(" ", null)]
    public void TrackIdsAreTakenFromUrisAndLinks(string uri, string? id) =>
        Assert.Equal(id, CatalogMatcher.TrackId(uri));
}
