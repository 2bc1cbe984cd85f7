using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using CsvHelper;
using Encore.Features;

namespace Encore.Catalog;

/// <summary>
/// The in-memory track catalog (the Kaggle CSV or the synthetic catalog): every track by id, the genres, and a standardized
/// audio-feature vector per track for content similarity.
/// </summary>
/// <remarks>
/// Built once and read-only afterwards, so it is safe to share between threads and grains. Feature
/// vectors live in one contiguous array (<see cref="FeatureCount"/> floats per track, in the order of
/// <see cref="FeatureNames"/>), each feature a z-score over the whole catalog.
/// </remarks>
public sealed class TrackCatalog
{
    /// <summary>Number of standardized audio features per track.</summary>
    public const int FeatureCount = 9;

    /// <summary>The standardized features, in vector order (Kaggle column names).</summary>
    public static IReadOnlyList<string> FeatureNames { get; } =
    [
        "danceability", "energy", "loudness", "speechiness", "acousticness",
        "instrumentalness", "liveness", "valence", "tempo",
    ];

    private static readonly CsvReaderOptions ReaderOptions = CsvReaderOptions.Default with
    {
        Separator = ',',
        TrimWhitespace = true,
        // Artist, album and genre names repeat across the catalog's rows; keep one string of each.
        PoolStrings = true,
    };

    // The CSV columns read, in the order of the Column enum (the leading index column is ignored).
    private static readonly string[] ColumnNames =
    [
        "track_id", "artists", "album_name", "track_name", "popularity", "duration_ms", "explicit",
        "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
        "instrumentalness", "liveness", "valence", "tempo", "time_signature", "track_genre",
    ];

    private readonly Track[] _tracks;
    // Frozen: every play looks its track up here, and a frozen table of the catalog's ids answered in
    // about half the time of a dictionary (docs/performance.md).
    private readonly FrozenDictionary<string, int> _indexById;
    private readonly string[] _genres;
    private readonly Dictionary<string, int[]> _tracksByGenre;
    private readonly float[] _features;
    private readonly double[] _featureMeans;
    private readonly double[] _featureStdDevs;

    // Each track's ItemIds number and its primary artist's, side by side (see NumbersOf).
    private int[]? _numbers;

    /// <summary>
    /// A number no other catalog shares (a random one), by which an index into this catalog found in
    /// one place is known for one elsewhere in the process (<see cref="Events.PartitionEvent.TryGetTrackIndex"/>).
    /// </summary>
    public long Identity { get; } = Random.Shared.NextInt64(1, long.MaxValue);

    private TrackCatalog(Track[] tracks, Dictionary<string, int> indexById, string[] genres, string source)
    {
        _tracks = tracks;
        _indexById = indexById.ToFrozenDictionary(StringComparer.Ordinal);
        _genres = genres;
        Source = source;

        var byGenre = genres.ToDictionary(g => g, _ => new List<int>(), StringComparer.Ordinal);
        for (var i = 0; i < tracks.Length; i++)
        {
            foreach (var genre in tracks[i].Genres)
            {
                byGenre[genre].Add(i);
            }
        }

        _tracksByGenre = byGenre.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        (_features, _featureMeans, _featureStdDevs) = Standardize(tracks);
    }

    /// <summary>Where the catalog came from: the CSV path or <c>synthetic(seed=…, tracks=…)</c>.</summary>
    public string Source { get; }

    /// <summary>Every track, in first-seen order; a track's position is its index everywhere else.</summary>
    public IReadOnlyList<Track> Tracks => _tracks;

    public int Count => _tracks.Length;

    /// <summary>Every genre with at least one track: in first-seen order, the Kaggle file's order for the synthetic catalog.</summary>
    public IReadOnlyList<string> Genres => _genres;

    /// <summary>Catalog mean of each raw feature, in <see cref="FeatureNames"/> order.</summary>
    public IReadOnlyList<double> FeatureMeans => _featureMeans;

    /// <summary>Catalog (population) standard deviation of each raw feature, in <see cref="FeatureNames"/> order.</summary>
    public IReadOnlyList<double> FeatureStandardDeviations => _featureStdDevs;

    /// <summary>All feature vectors back to back: track <c>i</c> is at <c>[i * FeatureCount, (i + 1) * FeatureCount)</c>.</summary>
    public ReadOnlySpan<float> Features => _features;

    public bool TryGet(string trackId, [MaybeNullWhen(false)] out Track track)
    {
        if (_indexById.TryGetValue(trackId, out var index))
        {
            track = _tracks[index];
            return true;
        }

        track = null;
        return false;
    }

    public bool Contains(string trackId) => _indexById.ContainsKey(trackId);

    /// <summary>The first credited artist of a track, or <c>null</c> for an unknown id or a track with no artist.</summary>
    public string? PrimaryArtistOf(string trackId) => TryGet(trackId, out var track) ? track.PrimaryArtist : null;

    /// <summary>
    /// The <see cref="ItemIds"/> numbers of the track at <paramref name="index"/> and of its primary artist
    /// (-1 when it has none), numbered for the whole catalog at first use.
    /// </summary>
    public (int Track, int Artist) NumbersOf(int index)
    {
        var numbers = _numbers ?? NumberItems();
        return (numbers[2 * index], numbers[(2 * index) + 1]);
    }

    private int[] NumberItems()
    {
        var numbers = new int[2 * _tracks.Length];
        for (var i = 0; i < _tracks.Length; i++)
        {
            numbers[2 * i] = ItemIds.Of(_tracks[i].TrackId);
            numbers[(2 * i) + 1] = _tracks[i].PrimaryArtist is { } artist ? ItemIds.Of(artist) : -1;
        }

        // Threads that number it at once make equal arrays: whichever is published first serves.
        return Interlocked.CompareExchange(ref _numbers, numbers, null) ?? numbers;
    }

    /// <summary>The index of a track in <see cref="Tracks"/>, or -1 for an unknown id.</summary>
    public int IndexOf(string trackId) => _indexById.TryGetValue(trackId, out var index) ? index : -1;

    /// <summary>The standardized feature vector of the track at <paramref name="trackIndex"/>.</summary>
    public ReadOnlySpan<float> FeatureVector(int trackIndex) =>
        _features.AsSpan(trackIndex * FeatureCount, FeatureCount);

    /// <summary>Indices (into <see cref="Tracks"/>) of the tracks filed under a genre; empty for an unknown genre.</summary>
    public IReadOnlyList<int> TracksOfGenre(string genre) =>
        _tracksByGenre.TryGetValue(genre, out var indices) ? indices : [];

    /// <summary>
    /// Loads a Kaggle-format CSV (the "Spotify Tracks Dataset" columns). Rows sharing a track id become one track with every
    /// genre they were listed under; the other columns come from the first such row.
    /// </summary>
    /// <exception cref="FormatException">A required column is missing or a value does not parse; the message names the row.</exception>
    public static TrackCatalog Load(string path)
    {
        using var csv = CsvReader.FromFile(path, ReaderOptions);
        return Load(csv, path);
    }

    /// <inheritdoc cref="Load(string)"/>
    public static TrackCatalog Load(TextReader reader, string source)
    {
        using var csv = CsvReader.Create(reader, ReaderOptions, leaveOpen: true);
        return Load(csv, source);
    }

    private static TrackCatalog Load(CsvReader csv, string source)
    {
        var columns = ColumnIndices(csv, source);
        var builder = new Builder();
        while (csv.Read())
        {
            var row = csv.RowNumber;
            var field = new RowReader(csv, columns, source, row);
            var trackId = field.Text(Column.TrackId);
            if (trackId.Length == 0)
            {
                throw new FormatException($"{source}: data row {row}: track_id is empty.");
            }

            var genre = field.Text(Column.TrackGenre);
            if (builder.TryAddGenre(trackId, genre))
            {
                continue;
            }

            builder.Add(
                new Track
                {
                    TrackId = trackId,
                    TrackName = field.Text(Column.TrackName),
                    AlbumName = field.Text(Column.AlbumName),
                    Artists = field.Text(Column.Artists).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    Genres = [],
                    Popularity = field.Int(Column.Popularity),
                    DurationMs = field.Int(Column.DurationMs),
                    Explicit = field.Bool(Column.Explicit),
                    Danceability = field.Float(Column.Danceability),
                    Energy = field.Float(Column.Energy),
                    Key = field.Int(Column.Key),
                    Loudness = field.Float(Column.Loudness),
                    Mode = field.Int(Column.Mode),
                    Speechiness = field.Float(Column.Speechiness),
                    Acousticness = field.Float(Column.Acousticness),
                    Instrumentalness = field.Float(Column.Instrumentalness),
                    Liveness = field.Float(Column.Liveness),
                    Valence = field.Float(Column.Valence),
                    Tempo = field.Float(Column.Tempo),
                    TimeSignature = field.Int(Column.TimeSignature),
                },
                genre);
        }

        return builder.Build(source);
    }

    /// <summary>
    /// A deterministic stand-in for the Kaggle file: the same seed and size always give the same tracks,
    /// spread over the 114 Kaggle genres with per-genre audio-feature profiles.
    /// </summary>
    public static TrackCatalog Synthetic(int seed = 42, int trackCount = 20_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trackCount, 1);
        var builder = new Builder(genreOrder: KaggleGenres.All);
        foreach (var (track, genres) in SyntheticCatalog.Generate(seed, trackCount))
        {
            foreach (var genre in genres)
            {
                if (!builder.TryAddGenre(track.TrackId, genre))
                {
                    builder.Add(track, genre);
                }
            }
        }

        return builder.Build($"synthetic(seed={seed}, tracks={trackCount})");
    }

    /// <summary>Maps each <see cref="Column"/> to its position in the header, whatever the column order.</summary>
    private static int[] ColumnIndices(CsvReader csv, string source)
    {
        if (csv.Headers.Count == 0)
        {
            throw new FormatException($"{source}: the file is empty; expected a header row.");
        }

        var indices = new int[ColumnNames.Length];
        var missing = new List<string>();
        for (var c = 0; c < ColumnNames.Length; c++)
        {
            if (!csv.TryGetFieldIndex(ColumnNames[c], out indices[c]))
            {
                missing.Add(ColumnNames[c]);
            }
        }

        return missing.Count == 0
            ? indices
            : throw new FormatException(
                $"{source}: not a Kaggle Spotify tracks CSV; missing column(s) {string.Join(", ", missing)}.");
    }

    private static (float[] Features, double[] Means, double[] StdDevs) Standardize(Track[] tracks)
    {
        var features = new float[tracks.Length * FeatureCount];
        var sums = new double[FeatureCount];
        for (var i = 0; i < tracks.Length; i++)
        {
            var t = tracks[i];
            var row = features.AsSpan(i * FeatureCount, FeatureCount);
            row[0] = t.Danceability;
            row[1] = t.Energy;
            row[2] = t.Loudness;
            row[3] = t.Speechiness;
            row[4] = t.Acousticness;
            row[5] = t.Instrumentalness;
            row[6] = t.Liveness;
            row[7] = t.Valence;
            row[8] = t.Tempo;
            for (var f = 0; f < FeatureCount; f++)
            {
                sums[f] += row[f];
            }
        }

        var means = new double[FeatureCount];
        for (var f = 0; f < FeatureCount; f++)
        {
            means[f] = sums[f] / tracks.Length;
        }

        // Two passes rather than sum-of-squares: loudness and tempo have large means, and the
        // one-pass formula loses the variance of such features to cancellation.
        var squares = new double[FeatureCount];
        for (var i = 0; i < features.Length; i++)
        {
            var d = features[i] - means[i % FeatureCount];
            squares[i % FeatureCount] += d * d;
        }

        var stdDevs = new double[FeatureCount];
        for (var f = 0; f < FeatureCount; f++)
        {
            stdDevs[f] = Math.Sqrt(squares[f] / tracks.Length);
        }

        for (var i = 0; i < features.Length; i++)
        {
            var f = i % FeatureCount;
            // A feature that never varies carries no information: it standardizes to 0, not NaN.
            features[i] = stdDevs[f] > 0 ? (float)((features[i] - means[f]) / stdDevs[f]) : 0f;
        }

        return (features, means, stdDevs);
    }

    /// <summary>Collects tracks in first-seen order and merges the genres of repeated ids.</summary>
    /// <param name="genreOrder">Genres to list first, in this order, when they have tracks; the others follow in first-seen order.</param>
    private sealed class Builder(IEnumerable<string>? genreOrder = null)
    {
        private readonly List<Track> _tracks = new(capacity: 1 << 17);
        private readonly List<List<string>> _trackGenres = new(capacity: 1 << 17);
        private readonly Dictionary<string, int> _indexById = new(capacity: 1 << 17, StringComparer.Ordinal);
        private readonly Dictionary<string, string> _genreNames = new(StringComparer.Ordinal);
        private readonly List<string> _genres = [];

        /// <summary>Adds the genre to an already known track; false when the id is new.</summary>
        public bool TryAddGenre(string trackId, string genre)
        {
            if (!_indexById.TryGetValue(trackId, out var index))
            {
                return false;
            }

            var genres = _trackGenres[index];
            genre = Intern(genre);
            if (genre.Length > 0 && !genres.Contains(genre))
            {
                genres.Add(genre);
            }

            return true;
        }

        public void Add(Track track, string genre)
        {
            _indexById.Add(track.TrackId, _tracks.Count);
            _tracks.Add(track);
            genre = Intern(genre);
            _trackGenres.Add(genre.Length > 0 ? [genre] : []);
        }

        public TrackCatalog Build(string source)
        {
            var tracks = new Track[_tracks.Count];
            for (var i = 0; i < tracks.Length; i++)
            {
                tracks[i] = _tracks[i] with { Genres = [.. _trackGenres[i]] };
            }

            var used = _trackGenres.SelectMany(g => g).ToHashSet(StringComparer.Ordinal);
            string[] genres = [.. (genreOrder ?? []).Where(used.Contains).Concat(_genres).Distinct(StringComparer.Ordinal)];
            return new TrackCatalog(tracks, _indexById, genres, source);
        }

        // One string instance per genre name: 114 strings instead of one per row.
        private string Intern(string genre)
        {
            if (genre.Length == 0)
            {
                return genre;
            }

            if (!_genreNames.TryGetValue(genre, out var interned))
            {
                interned = genre;
                _genreNames.Add(genre, interned);
                _genres.Add(interned);
            }

            return interned;
        }
    }

    /// <summary>Typed, invariant-culture access to the fields of the current row, with errors that name the row.</summary>
    private readonly struct RowReader(CsvReader csv, int[] columns, string source, long row)
    {
        public string Text(Column column) => csv.GetString(columns[(int)column]);

        public int Int(Column column)
        {
            var index = columns[(int)column];
            if (csv.TryParse<int>(index, out var value))
            {
                return value;
            }

            // Some exports write integral columns as "4.0"; accept any whole-valued number.
            return csv.TryParse<double>(index, out var number) && number == Math.Floor(number) && Math.Abs(number) <= int.MaxValue
                ? (int)number
                : throw Invalid(column, "an integer");
        }

        public float Float(Column column) =>
            csv.TryParse<float>(columns[(int)column], out var value) && float.IsFinite(value)
                ? value
                : throw Invalid(column, "a number");

        // True/False as the Kaggle file writes them; 1/0, yes/no too.
        public bool Bool(Column column) =>
            csv.TryParse<bool>(columns[(int)column], out var value) ? value : throw Invalid(column, "True or False");

        private FormatException Invalid(Column column, string expected) =>
            new($"{source}: data row {row}: {ColumnNames[(int)column]} is '{Text(column)}', expected {expected}.");
    }

    private enum Column
    {
        TrackId,
        Artists,
        AlbumName,
        TrackName,
        Popularity,
        DurationMs,
        Explicit,
        Danceability,
        Energy,
        Key,
        Loudness,
        Mode,
        Speechiness,
        Acousticness,
        Instrumentalness,
        Liveness,
        Valence,
        Tempo,
        TimeSignature,
        TrackGenre,
    }
}
