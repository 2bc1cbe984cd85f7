using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Encore.Catalog;
using Encore.Events;

namespace Encore.Client.Listening;

/// <summary>
/// Spotify Million Playlist Dataset slices: each playlist is a listener <c>mpd-&lt;pid&gt;</c> who plays
/// its tracks in order, each in full, the last at the playlist's <c>modified_at</c> and each earlier one
/// four minutes before the next. Entries match by track id, then artist and name, then artist alone
/// (that artist's most popular catalog track), so that artist-level evaluation keeps every entry whose
/// artist the catalog knows.
/// </summary>
internal static class MpdReader
{
    /// <summary>Time between two consecutive plays of a playlist.</summary>
    public static readonly TimeSpan PlayInterval = TimeSpan.FromMinutes(4);

    public static IEnumerable<ListenerHistory> Read(IReadOnlyList<SourceFile> files, ReadContext context)
    {
        var (summary, options) = (context.Summary, context.Options);
        var seen = new HashSet<long>();
        var withoutModifiedAt = 0L;
        var done = 0L;
        foreach (var file in files)
        {
            using var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var parser = new MpdSliceParser(stream);
            while (TryNext(parser, file, summary, out var playlist))
            {
                summary.BytesRead = done + parser.Consumed;
                if (playlist.Pid is not { } pid)
                {
                    summary.Reject(file.Name, "playlist without pid", nameof(RejectReason.MissingField), "required field 'pid' is missing");
                    continue;
                }

                if (!seen.Add(pid))
                {
                    summary.Reject(file.Name, $"playlist {pid}", "DuplicatePlaylist", $"pid {pid} was already read; this copy is left out");
                    continue;
                }

                withoutModifiedAt += playlist.ModifiedAt is null ? 1 : 0;
                var last = playlist.ModifiedAt is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : options.MpdModifiedAtWhenMissing;
                var plays = Plays(playlist, pid, last, file, context);
                if (plays.Count > 0)
                {
                    summary.AddListener();
                    yield return new ListenerHistory(UserIdOf(pid), plays);
                }
            }

            done += file.Length;
            summary.BytesRead = done;
        }

        if (withoutModifiedAt > 0)
        {
            summary.Note(
                $"{withoutModifiedAt:N0} playlist(s) have no modified_at: their last play is stamped {options.MpdModifiedAtWhenMissing.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}.");
        }
    }

    public static string UserIdOf(long pid) => $"mpd-{pid.ToString(CultureInfo.InvariantCulture)}";

    private static List<ListeningEvent> Plays(
        MpdPlaylist playlist,
        long pid,
        DateTimeOffset last,
        SourceFile file,
        ReadContext context)
    {
        var userId = UserIdOf(pid);
        var tracks = playlist.Tracks ?? [];
        var matched = new List<(Track Track, TrackMatch Match, int Position, string Source)>(tracks.Count);
        for (var i = 0; i < tracks.Count; i++)
        {
            var entry = tracks[i];
            var match = context.Matcher.Match(entry.TrackUri, entry.ArtistName, entry.TrackName, allowArtistOnly: true, out var track);
            if (track is null)
            {
                context.Summary.Count(TrackMatch.None);
                continue;
            }

            matched.Add((track, match, entry.Pos ?? i, entry.TrackUri ?? $"{entry.ArtistName}\u001f{entry.TrackName}"));
        }

        var plays = new List<ListeningEvent>(matched.Count);
        for (var j = 0; j < matched.Count; j++)
        {
            var (track, match, position, source) = matched[j];
            var pos = position.ToString(CultureInfo.InvariantCulture);
            context.Accept(
                plays,
                new ListeningEvent
                {
                    EventId = EventIds.For("mpd", userId, pos, source),
                    UserId = userId,
                    TrackId = track.TrackId,
                    Ts = last - (PlayInterval * (matched.Count - 1 - j)),
                    MsPlayed = track.DurationMs,
                    Skipped = false,
                },
                match,
                file,
                $"playlist {pid}, position {pos}");
        }

        return plays;
    }

    /// <summary>The next playlist of the file; false at its end or, after counting the file's rejection, when it is malformed.</summary>
    private static bool TryNext(MpdSliceParser parser, SourceFile file, ListeningReadSummary summary, out MpdPlaylist playlist)
    {
        try
        {
            playlist = parser.Next()!;
            return playlist is not null;
        }
        catch (JsonException e)
        {
            summary.Reject(file.Name, $"after {parser.Playlists} playlist(s)", nameof(RejectReason.NotJson),
                $"not an MPD slice: {e.Message.Split(" Path:")[0]}; the rest of the file is left out");
            playlist = null!;
            return false;
        }
    }
}

/// <summary>
/// Reads an MPD slice one playlist at a time with <see cref="Utf8JsonReader"/> over a refilled buffer,
/// so that a slice of any size costs memory for one playlist, not for the file.
/// </summary>
internal sealed class MpdSliceParser(Stream stream)
{
    private const int InitialBuffer = 64 * 1024;

    private byte[] _buffer = new byte[InitialBuffer];
    private int _start;
    private int _end;
    private bool _final;
    private JsonReaderState _state;
    private Stage _stage;

    private enum Stage
    {
        Root,
        ExpectArray,
        InArray,
        Done,
    }

    /// <summary>Playlists returned so far.</summary>
    public int Playlists { get; private set; }

    /// <summary>Bytes of the stream parsed so far.</summary>
    public long Consumed => stream.Position - (_end - _start);

    /// <summary>The next playlist, or null after the last.</summary>
    /// <exception cref="JsonException">The file is not a slice: not JSON, or no <c>playlists</c> array of objects.</exception>
    public MpdPlaylist? Next()
    {
        while (_stage != Stage.Done)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            var playlist = Advance(ref reader, out var consumed, out var state);
            _start += consumed;
            _state = state;
            if (playlist is not null)
            {
                Playlists++;
                return playlist;
            }

            if (_stage == Stage.Done)
            {
                break;
            }

            if (_final)
            {
                throw new JsonException(_stage == Stage.Root ? "no \"playlists\" array" : "the file ends inside the playlists");
            }

            Fill();
        }

        return null;
    }

    /// <summary>Reads tokens until a whole playlist is in the buffer (returned) or more data is needed (null).</summary>
    private MpdPlaylist? Advance(ref Utf8JsonReader reader, out int consumed, out JsonReaderState state)
    {
        while (true)
        {
            var before = reader;
            if (!reader.Read())
            {
                (consumed, state) = ((int)before.BytesConsumed, before.CurrentState);
                return null;
            }

            switch (_stage)
            {
                case Stage.Root when reader.CurrentDepth == 0 && reader.TokenType != JsonTokenType.StartObject:
                    throw new JsonException("the file is not a JSON object");
                case Stage.Root when reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("playlists"u8):
                    _stage = Stage.ExpectArray;
                    break;
                case Stage.ExpectArray:
                    _stage = reader.TokenType == JsonTokenType.StartArray ? Stage.InArray : throw new JsonException("\"playlists\" is not an array");
                    break;
                case Stage.InArray when reader.TokenType == JsonTokenType.EndArray:
                    _stage = Stage.Done;
                    (consumed, state) = ((int)reader.BytesConsumed, reader.CurrentState);
                    return null;
                case Stage.InArray when reader.TokenType != JsonTokenType.StartObject:
                    throw new JsonException("a playlist is not an object");
                case Stage.InArray:
                    // Only a playlist that is whole in the buffer can be deserialized; else read more and start it again.
                    var probe = reader;
                    if (!probe.TrySkip())
                    {
                        (consumed, state) = ((int)before.BytesConsumed, before.CurrentState);
                        return null;
                    }

                    var playlist = JsonSerializer.Deserialize(ref reader, MpdJson.Default.MpdPlaylist)
                        ?? throw new JsonException("a playlist is null");
                    (consumed, state) = ((int)reader.BytesConsumed, reader.CurrentState);
                    return playlist;
            }
        }
    }

    /// <summary>Moves what is left to the front, grows the buffer when one token fills it, and reads more.</summary>
    private void Fill()
    {
        var left = _end - _start;
        if (left == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, left).CopyTo(_buffer);
        }

        _start = 0;
        _end = left;
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        _end += read;
        _final = read == 0;
    }
}

internal sealed class MpdPlaylist
{
    public long? Pid { get; set; }
    public string? Name { get; set; }

    /// <summary>Unix seconds.</summary>
    public long? ModifiedAt { get; set; }

    public List<MpdTrack>? Tracks { get; set; }
}

internal sealed class MpdTrack
{
    public int? Pos { get; set; }
    public string? ArtistName { get; set; }
    public string? TrackUri { get; set; }
    public string? TrackName { get; set; }
    public long? DurationMs { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(MpdPlaylist))]
internal sealed partial class MpdJson : JsonSerializerContext;
