using Encore.Client.Listening;
using static Encore.Client.Tests.Listening.TestData;

namespace Encore.Client.Tests.Listening;

public sealed class JsonlReaderTests
{
    private static readonly string[] Lines =
    [
        """{"eventId":"e1","userId":"u1","trackId":"1111111111111111111111","ts":"2026-11-20T10:05:00Z","msPlayed":200000}""",
        """{"eventId":"e2","userId":"u1","trackId":"1111111111111""",
        """{"eventId":"e3","userId":"u2","trackId":"9999999999999999999999","ts":"2026-11-20T10:00:00Z","msPlayed":1000}""",
        "",
        """{"eventId":"e4","trackId":"3333333333333333333333","ts":"2026-11-20T10:00:00Z","msPlayed":1000}""",
        """{"eventId":"e5","userId":"u2","trackId":"3333333333333333333333","ts":"2026-11-20T09:00:00Z","msPlayed":-5}""",
        """{"eventId":"e6","userId":"u2","trackId":"3333333333333333333333","ts":"2026-11-20T09:00:00Z","msPlayed":15000,"skipped":true}""",
        """{"eventId":"e7","userId":"u1","trackId":"2222222222222222222222","ts":"2026-11-20T10:00:00Z","msPlayed":323000}""",
    ];

    [Fact]
    public void InvalidLinesAreCountedWithTheValidatorsReasonAndTheirLineAndTheReadGoesOn()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("plays.jsonl", string.Join('\n', Lines));
        var summary = new ListeningReadSummary();

        var listeners = ListeningSources.Read(ListeningFormat.Jsonl, scratch.Path, TinyCatalog(), summary).ToList();

        Assert.Equal(
            [("plays.jsonl", "line 2", "NotJson"), ("plays.jsonl", "line 3", "UnknownTrack"), ("plays.jsonl", "line 5", "MissingField"), ("plays.jsonl", "line 6", "NegativeMsPlayed")],
            summary.Rejections.Select(r => (r.File, r.Where, r.Reason)));
        Assert.Equal("trackId '9999999999999999999999' is not in the catalog", summary.Rejections[1].Detail);
        Assert.Equal(4, summary.Rejected);
        Assert.Equal(3, summary.Events);
        Assert.Equal(3, summary.MatchedById);
        Assert.Equal(2, summary.Listeners);
        Assert.Equal(["u1", "u2"], listeners.Select(l => l.UserId));
        // In time order, whatever the order of the lines.
        Assert.Equal(["e7", "e1"], listeners[0].Plays.Select(p => p.EventId));
        Assert.Equal(["e6"], listeners[1].Plays.Select(p => p.EventId));
        Assert.True(listeners[1].Plays[0].Skipped);
        Assert.Equal(summary.BytesTotal, summary.BytesRead);
    }

    [Fact]
    public void ADirectoryIsReadFileByFileAndAListenersPlaysAreMerged()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("b/second.ndjson", Lines[0]);
        scratch.Write("a/first.jsonl", Lines[7]);
        scratch.Write("a/ignored.txt", Lines[6]);
        var summary = new ListeningReadSummary();

        var listener = Assert.Single(ListeningSources.Read(ListeningFormat.Jsonl, scratch.Path, TinyCatalog(), summary));

        Assert.Equal(2, summary.Files);
        Assert.Equal(["e7", "e1"], listener.Plays.Select(p => p.EventId));
    }

    [Fact]
    public void APathThatIsNotThereFailsAtTheCall()
    {
        var error = Assert.Throws<FileNotFoundException>(() =>
            ListeningSources.Read(ListeningFormat.Jsonl, "/nonexistent/plays.jsonl", TinyCatalog(), new ListeningReadSummary()));

        Assert.Equal("/nonexistent/plays.jsonl is neither a file nor a directory.", error.Message);
    }

    [Fact]
    public void ADirectoryWithoutFilesOfTheFormatFailsAndNamesThePatterns()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("notes.txt", "nothing");

        var error = Assert.Throws<FileNotFoundException>(() =>
            ListeningSources.Read(ListeningFormat.Mpd, scratch.Path, TinyCatalog(), new ListeningReadSummary()));

        Assert.Equal($"{scratch.Path} holds no mpd file (mpd.slice.*.json).", error.Message);
    }
}
