using Encore.Features;

namespace Encore.Users;

/// <summary>
/// Everything a user grain keeps, bounded whatever the user's history length: a capped play history,
/// a capped ring of recent eventIds, capped decaying affinities and a fixed-size taste vector.
/// </summary>
[GenerateSerializer]
public sealed class UserState
{
    /// <summary>Twice <see cref="RecentHistory.LookBack"/>: see there why.</summary>
    public const int HistoryCapacity = 2 * RecentHistory.LookBack;

    /// <summary>
    /// Producer resends (retries, offline clients re-uploading) arrive within a few of the user's
    /// later plays; a ring of the last 128 eventIds catches them at 3 KiB per user.
    /// </summary>
    public const int SeenCapacity = 128;

    // A listener's plays all come from the partition its userId is keyed to, so that partition's
    // watermark is kept in two fields; others (only after the topic's partitions changed) in a
    // dictionary. A dictionary for every listener was three objects and about 200 bytes each.
    [NonSerialized] private int _partition = -1;
    [NonSerialized] private long _watermark;
    [NonSerialized] private Dictionary<int, long>? _otherPartitions;
    [NonSerialized] private bool _readEmpty;

    /// <summary>
    /// Per Kafka partition, the last offset applied: the stored form of <see cref="WatermarkOf"/>, made
    /// when asked (<c>null</c> while there is none); setting it replaces every watermark.
    /// </summary>
    /// <remarks>
    /// <c>null</c>, not empty, in a new state: a JSON reader (the memory storage's default) fills a
    /// collection the property already holds instead of setting a new one, and a copy made here would be
    /// filled and lost. Null, it sets the dictionary it read, as every other reader does. A state that
    /// was read with an empty dictionary is written with one, as it was read.
    /// </remarks>
    [Id(0)]
    public Dictionary<int, long>? AppliedOffsets
    {
        get
        {
            if (_partition < 0)
            {
                return _readEmpty ? [] : null;
            }

            // In the order the partitions first came, as the dictionary this replaced kept them, so that
            // a state is written exactly as the build before wrote it.
            var offsets = new Dictionary<int, long>(1 + (_otherPartitions?.Count ?? 0)) { [_partition] = _watermark };
            if (_otherPartitions is not null)
            {
                foreach (var (partition, offset) in _otherPartitions)
                {
                    offsets[partition] = offset;
                }
            }

            return offsets;
        }
        set
        {
            _partition = -1;
            _otherPartitions = null;
            _readEmpty = value is { Count: 0 };
            foreach (var (partition, offset) in value ?? [])
            {
                MoveWatermark(partition, offset);
            }
        }
    }

    /// <summary>The watermark of <paramref name="partition"/>: offsets at or below it were applied (-1: none).</summary>
    public long WatermarkOf(int partition) =>
        partition == _partition ? _watermark : _otherPartitions?.GetValueOrDefault(partition, -1) ?? -1;

    public void MoveWatermark(int partition, long offset)
    {
        if (_partition < 0 || partition == _partition)
        {
            (_partition, _watermark) = (partition, offset);
        }
        else
        {
            (_otherPartitions ??= [])[partition] = offset;
        }
    }

    [Id(1)] public long Plays { get; set; }
    [Id(2)] public long Skips { get; set; }
    [Id(3)] public double CompletionSum { get; set; }
    [Id(4)] public long DuplicatesDropped { get; set; }

    /// <summary>Oldest first, at most <see cref="HistoryCapacity"/>.</summary>
    [Id(5)] public List<HistoryEntry> History { get; set; } = [];

    /// <summary>Ring of the last <see cref="SeenCapacity"/> counted eventIds (64-bit hashes) with the offset that counted them.</summary>
    [Id(6)] public SeenEvent[] Seen { get; set; } = [];
    [Id(7)] public int SeenNext { get; set; }
    [Id(8)] public DecayingScores Genres { get; set; } = new();
    [Id(9)] public DecayingScores Artists { get; set; } = new();
    [Id(10)] public TasteVector Taste { get; set; } = new();
    [Id(11)] public DateTimeOffset? LastEventTs { get; set; }
    [Id(12)] public DateTimeOffset? SessionStart { get; set; }
    [Id(13)] public DateTimeOffset? SessionLastTs { get; set; }
    [Id(14)] public int SessionPlays { get; set; }
}

/// <summary>A play in the history; a struct, so 50 of them cost one array and no per-entry objects.</summary>
[GenerateSerializer, Immutable]
public readonly record struct HistoryEntry(
    [property: Id(0)] string TrackId,
    [property: Id(1)] DateTimeOffset Ts,
    [property: Id(2)] long MsPlayed,
    [property: Id(3)] bool Skip,
    [property: Id(4)] int Partition,
    [property: Id(5)] long Offset)
{
    // The track's and its primary artist's ItemIds numbers, plus one, so that 0 says "not known here":
    // what an entry read from storage has, as numbers belong to one process and are never stored. With
    // them, a play's context reads each earlier play from the history's own array; looking each one up
    // in the catalog by id was a cache miss or three per earlier play (docs/performance.md).
    [field: NonSerialized] private int TrackNumberPlusOne { get; init; }
    [field: NonSerialized] private int ArtistNumberPlusOne { get; init; }

    /// <summary>The entry with its track's numbers in this process (an artist of -1: the track has no primary artist).</summary>
    public HistoryEntry WithNumbers((int Track, int Artist) numbers) =>
        this with { TrackNumberPlusOne = numbers.Track + 1, ArtistNumberPlusOne = numbers.Artist + 1 };

    /// <summary>The numbers <see cref="WithNumbers"/> gave, if it was called in this process.</summary>
    public bool TryGetNumbers(out (int Track, int Artist) numbers)
    {
        numbers = (TrackNumberPlusOne - 1, ArtistNumberPlusOne - 1);
        return TrackNumberPlusOne != 0;
    }
}

[GenerateSerializer, Immutable]
public readonly record struct SeenEvent(
    [property: Id(0)] ulong EventHash,
    [property: Id(1)] int Partition,
    [property: Id(2)] long Offset);
