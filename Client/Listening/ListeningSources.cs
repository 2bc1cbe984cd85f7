using System.Globalization;
using Encore.Catalog;

namespace Encore.Client.Listening;

/// <summary>
/// Reads real listening data as listeners' histories of catalog tracks: the input of <c>replay</c>
/// (which produces them to Kafka) and <c>evaluate</c> (which splits them into training and held-out plays).
/// </summary>
public static class ListeningSources
{
    /// <inheritdoc cref="Read(ListeningFormat, string, TrackCatalog, ListeningReadSummary, ListeningReadOptions)"/>
    public static IEnumerable<ListenerHistory> Read(ListeningFormat format, string path, TrackCatalog catalog, ListeningReadSummary summary) =>
        Read(format, path, catalog, summary, new ListeningReadOptions());

    /// <summary>
    /// The listeners in <paramref name="path"/> (a file, or a directory searched with its subdirectories),
    /// read lazily one listener at a time; <paramref name="summary"/> is filled as they are enumerated.
    /// </summary>
    /// <exception cref="FileNotFoundException">The path does not exist, or holds no file of the format.</exception>
    /// <exception cref="ArgumentException"><see cref="ListeningReadOptions.UserId"/> is given for more than one Spotify export.</exception>
    public static IEnumerable<ListenerHistory> Read(
        ListeningFormat format,
        string path,
        TrackCatalog catalog,
        ListeningReadSummary summary,
        ListeningReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(options);

        // Found eagerly, so that a wrong path fails at the call rather than at the first MoveNext.
        var files = FindFiles(format, path);
        summary.Files = files.Count;
        summary.BytesTotal = files.Sum(f => f.Length);
        var context = new ReadContext(catalog, summary, options);
        return format switch
        {
            ListeningFormat.Jsonl => JsonlReader.Read(files, context),
            ListeningFormat.Spotify => SpotifyExportReader.Read(files, context),
            ListeningFormat.Mpd => MpdReader.Read(files, context),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not a listening format."),
        };
    }

    /// <summary>The file patterns of a format, for messages and help.</summary>
    public static IReadOnlyList<string> Patterns(ListeningFormat format) => format switch
    {
        ListeningFormat.Jsonl => ["*.jsonl", "*.ndjson"],
        ListeningFormat.Spotify => ["StreamingHistory*.json", "Streaming_History_Audio_*.json", "endsong*.json"],
        ListeningFormat.Mpd => ["mpd.slice.*.json"],
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not a listening format."),
    };

    /// <summary>
    /// The input files: the path itself when it is a file, else every file of the format below it, in a
    /// stable order (MPD slices by their first playlist number, the rest by path).
    /// </summary>
    internal static IReadOnlyList<SourceFile> FindFiles(ListeningFormat format, string path)
    {
        if (File.Exists(path))
        {
            var file = new FileInfo(path);
            return [new SourceFile(file.FullName, file.Name, file.Length)];
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path} is neither a file nor a directory.", path);
        }

        var root = Path.GetFullPath(path);
        var found = Patterns(format)
            .SelectMany(pattern => Directory.EnumerateFiles(root, pattern, SearchOption.AllDirectories))
            .Distinct(StringComparer.Ordinal)
            .Select(f => new FileInfo(f))
            .Select(f => new SourceFile(f.FullName, Path.GetRelativePath(root, f.FullName), f.Length));
        SourceFile[] files = format == ListeningFormat.Mpd
            ? [.. found.OrderBy(f => SliceStart(f.Path)).ThenBy(f => f.Name, StringComparer.Ordinal)]
            : [.. found.OrderBy(f => f.Name, StringComparer.Ordinal)];
        return files.Length > 0
            ? files
            : throw new FileNotFoundException(
                $"{path} holds no {format.ToString().ToLowerInvariant()} file ({string.Join(", ", Patterns(format))}).", path);
    }

    /// <summary>The first playlist number of <c>mpd.slice.1000-1999.json</c>, so that slices sort as numbers.</summary>
    private static long SliceStart(string path)
    {
        var name = Path.GetFileName(path);
        const string Prefix = "mpd.slice.";
        var digits = name.AsSpan(Prefix.Length);
        var end = digits.IndexOfAnyExceptInRange('0', '9');
        return name.StartsWith(Prefix, StringComparison.Ordinal)
            && long.TryParse(end < 0 ? digits : digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? start
            : long.MaxValue;
    }
}

/// <summary>An input file: its full path, the name rejections call it by (relative to the path given) and its size.</summary>
internal sealed record SourceFile(string Path, string Name, long Length);
