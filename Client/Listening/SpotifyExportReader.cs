using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Encore.Events;

namespace Encore.Client.Listening;

/// <summary>
/// Spotify's "Download your data" exports, one listener per export folder: the account data's
/// <c>StreamingHistory*.json</c> (<c>endTime</c> to the minute, artist and track names) and the extended
/// streaming history (<c>Streaming_History_Audio_*.json</c>, older <c>endsong*.json</c>: track URI,
/// reasons, shuffle, platform, country). Entries match catalog tracks by id, else by artist and name.
/// </summary>
internal static class SpotifyExportReader
{
    private const string BasicPrefix = "StreamingHistory";
    private const int MaxUserIdSlug = 64;

    public static IEnumerable<ListenerHistory> Read(IReadOnlyList<SourceFile> files, ReadContext context)
    {
        var exports = Exports(files, context.Summary);
        if (context.Options.UserId is not null && exports.Count > 1)
        {
            throw new ArgumentException(
                $"A user id names one listener, but the path holds {exports.Count} Spotify exports ({string.Join(", ", exports.Select(e => e.Folder))}).");
        }

        return ReadExports(exports, context);
    }

    /// <summary>The userId of an export folder: <c>spotify-</c> and the folder name in lower-case letters, digits and dashes.</summary>
    internal static string UserIdOf(string folder)
    {
        var name = CatalogMatcher.Normalize(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)));
        var slug = new string([.. name.Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-')]);
        slug = string.Join('-', slug.Split('-', StringSplitOptions.RemoveEmptyEntries));
        slug = slug.Length > MaxUserIdSlug ? slug[..MaxUserIdSlug].TrimEnd('-') : slug;
        return $"spotify-{(slug.Length > 0 ? slug : "export")}";
    }

    private static IEnumerable<ListenerHistory> ReadExports(
        IReadOnlyList<Export> exports,
        ReadContext context)
    {
        var summary = context.Summary;
        var read = 0L;
        foreach (var export in exports)
        {
            var userId = context.Options.UserId ?? UserIdOf(export.Folder);
            var plays = new List<ListeningEvent>();
            // Two identical entries (the same track ending in the same minute) are two plays: the
            // occurrence number keeps their ids apart, and the same on every read.
            var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var file in export.Files)
            {
                var entries = Load(file, summary);
                for (var i = 0; i < entries.Count; i++)
                {
                    AddEntry(entries[i], $"entry {i + 1}", file, userId, context, occurrences, plays);
                }

                read += file.Length;
                summary.BytesRead = read;
            }

            read += export.Ignored.Sum(f => f.Length);
            summary.BytesRead = read;
            if (plays.Count > 0)
            {
                summary.AddListener();
                yield return new ListenerHistory(userId, [.. plays.OrderBy(p => p.Ts)]);
            }
        }
    }

    private static void AddEntry(
        SpotifyEntry entry,
        string where,
        SourceFile file,
        string userId,
        ReadContext context,
        Dictionary<string, int> occurrences,
        List<ListeningEvent> plays)
    {
        var summary = context.Summary;
        var extended = entry.Ts is not null;
        var artist = extended ? entry.AlbumArtistName : entry.ArtistName;
        var name = extended ? entry.TrackName : entry.BasicTrackName;
        var match = context.Matcher.Match(entry.TrackUri, artist, name, allowArtistOnly: false, out var track);
        if (track is null)
        {
            summary.Count(TrackMatch.None);
            return;
        }

        if (!TryParseEnd(entry, out var ts))
        {
            summary.Reject(file.Name, where, nameof(RejectReason.MissingField),
                extended ? $"ts '{entry.Ts}' is not an ISO-8601 time" : $"endTime '{entry.EndTime}' is missing or not yyyy-MM-dd HH:mm");
            return;
        }

        if ((entry.MsPlayed ?? entry.BasicMsPlayed) is not { } msPlayed)
        {
            summary.Reject(file.Name, where, nameof(RejectReason.MissingField), "ms_played (msPlayed) is missing");
            return;
        }

        var source = entry.TrackUri ?? $"{artist}\u001f{name}";
        var key = string.Join('\u001f', ts.ToString("O", CultureInfo.InvariantCulture), source, msPlayed.ToString(CultureInfo.InvariantCulture));
        var occurrence = occurrences[key] = occurrences.GetValueOrDefault(key) + 1;
        context.Accept(
            plays,
            new ListeningEvent
            {
                EventId = EventIds.For("spotify", userId, key, occurrence.ToString(CultureInfo.InvariantCulture)),
                UserId = userId,
                TrackId = track.TrackId,
                Ts = ts,
                MsPlayed = msPlayed,
                ReasonStart = entry.ReasonStart,
                ReasonEnd = entry.ReasonEnd,
                Skipped = AsBool(entry.Skipped),
                Shuffle = AsBool(entry.Shuffle),
                Platform = entry.Platform,
                Country = entry.Country,
            },
            match,
            file,
            where);
    }

    /// <summary>
    /// The export folders, in path order, each with the files to read. A folder that has the extended
    /// history is read from it alone: its StreamingHistory files hold the same plays with less detail.
    /// </summary>
    private static List<Export> Exports(IReadOnlyList<SourceFile> files, ListeningReadSummary summary)
    {
        var exports = new List<Export>();
        foreach (var folder in files.GroupBy(f => Path.GetDirectoryName(f.Path) ?? "", StringComparer.Ordinal))
        {
            var basic = folder.Where(IsBasic).ToList();
            var extended = folder.Where(f => !IsBasic(f)).ToList();
            if (extended.Count > 0 && basic.Count > 0)
            {
                summary.Note($"{folder.Key}: read the extended streaming history; {basic.Count} StreamingHistory file(s) left out (the same plays with less detail).");
                exports.Add(new Export(folder.Key, extended, basic));
            }
            else
            {
                exports.Add(new Export(folder.Key, [.. folder], []));
            }
        }

        return exports;
    }

    private static bool IsBasic(SourceFile file) => Path.GetFileName(file.Path).StartsWith(BasicPrefix, StringComparison.Ordinal);

    private static List<SpotifyEntry> Load(SourceFile file, ListeningReadSummary summary)
    {
        try
        {
            using var stream = File.OpenRead(file.Path);
            return JsonSerializer.Deserialize(stream, SpotifyJson.Default.ListSpotifyEntry) ?? [];
        }
        catch (JsonException e)
        {
            summary.Reject(file.Name, "", nameof(RejectReason.NotJson), $"not a Spotify streaming history (a JSON array of plays): {e.Message.Split(" Path:")[0]}");
            return [];
        }
    }

    private static bool TryParseEnd(SpotifyEntry entry, out DateTimeOffset ts)
    {
        if (entry.Ts is { } iso)
        {
            return DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out ts);
        }

        return DateTimeOffset.TryParseExact(
            entry.EndTime, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out ts);
    }

    // Exports have written these as true/false, and older ones as null or 0/1.
    private static bool? AsBool(JsonElement? value) => value?.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.Value.TryGetInt32(out var n) ? n != 0 : null,
        _ => null,
    };

    private sealed record Export(string Folder, IReadOnlyList<SourceFile> Files, IReadOnlyList<SourceFile> Ignored);
}

/// <summary>One entry of either history: the account data's camelCase fields, or the extended history's snake_case ones.</summary>
internal sealed class SpotifyEntry
{
    [JsonPropertyName("endTime")] public string? EndTime { get; set; }
    [JsonPropertyName("artistName")] public string? ArtistName { get; set; }
    [JsonPropertyName("trackName")] public string? BasicTrackName { get; set; }
    [JsonPropertyName("msPlayed")] public long? BasicMsPlayed { get; set; }

    [JsonPropertyName("ts")] public string? Ts { get; set; }
    [JsonPropertyName("spotify_track_uri")] public string? TrackUri { get; set; }
    [JsonPropertyName("master_metadata_track_name")] public string? TrackName { get; set; }
    [JsonPropertyName("master_metadata_album_artist_name")] public string? AlbumArtistName { get; set; }
    [JsonPropertyName("ms_played")] public long? MsPlayed { get; set; }
    [JsonPropertyName("reason_start")] public string? ReasonStart { get; set; }
    [JsonPropertyName("reason_end")] public string? ReasonEnd { get; set; }
    [JsonPropertyName("skipped")] public JsonElement? Skipped { get; set; }
    [JsonPropertyName("shuffle")] public JsonElement? Shuffle { get; set; }
    [JsonPropertyName("platform")] public string? Platform { get; set; }
    [JsonPropertyName("conn_country")] public string? Country { get; set; }
}

[JsonSerializable(typeof(List<SpotifyEntry>))]
internal sealed partial class SpotifyJson : JsonSerializerContext;
