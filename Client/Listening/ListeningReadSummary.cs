namespace Encore.Client.Listening;

/// <summary>
/// What a read of listening data found, filled while <see cref="ListeningSources.Read(ListeningFormat, string, Catalog.TrackCatalog, ListeningReadSummary)"/>
/// is enumerated. Every source entry ends up in exactly one of <see cref="MatchedById"/>,
/// <see cref="MatchedByName"/>, <see cref="MatchedByArtist"/>, <see cref="Unmatched"/> and <see cref="Rejected"/>;
/// the matched ones are the <see cref="Events"/>.
/// </summary>
public sealed class ListeningReadSummary
{
    /// <summary>Rejections kept with their detail; beyond these only the counts per reason grow.</summary>
    public const int KeptRejections = 1_000;

    private readonly List<ListeningRejection> _rejections = [];
    private readonly SortedDictionary<string, long> _rejectedByReason = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];

    /// <summary>Plays handed out in <see cref="ListenerHistory"/>s.</summary>
    public long Events => MatchedById + MatchedByName + MatchedByArtist;

    /// <summary>Listeners handed out (a listener with no matched play is not).</summary>
    public int Listeners { get; private set; }

    /// <summary>Entries whose Spotify track id is a catalog track (every valid JSON-lines event).</summary>
    public long MatchedById { get; private set; }

    /// <summary>Entries matched by artist and track name, ignoring case, accents and spacing.</summary>
    public long MatchedByName { get; private set; }

    /// <summary>MPD entries matched by artist only: the catalog's most popular track of that artist.</summary>
    public long MatchedByArtist { get; private set; }

    /// <summary>Entries with no catalog track: unknown track and artist, podcasts, entries without a name.</summary>
    public long Unmatched { get; private set; }

    /// <summary>Entries (or whole files) that could not be read: malformed, invalid by the event contract, duplicates.</summary>
    public long Rejected { get; private set; }

    /// <summary>The first <see cref="KeptRejections"/> rejections, in reading order.</summary>
    public IReadOnlyList<ListeningRejection> Rejections => _rejections;

    /// <summary>Rejections counted per reason.</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => _rejectedByReason;

    /// <summary>Things the reader chose that a reader of the results should know.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Input files found.</summary>
    public int Files { get; internal set; }

    /// <summary>Bytes of the input files, and roughly how many of them have been read.</summary>
    public long BytesTotal { get; internal set; }

    public long BytesRead { get; internal set; }

    internal void Count(TrackMatch kind)
    {
        switch (kind)
        {
            case TrackMatch.ById:
                MatchedById++;
                break;
            case TrackMatch.ByName:
                MatchedByName++;
                break;
            case TrackMatch.ByArtist:
                MatchedByArtist++;
                break;
            default:
                Unmatched++;
                break;
        }
    }

    internal void Reject(string file, string where, string reason, string detail)
    {
        Rejected++;
        _rejectedByReason[reason] = _rejectedByReason.GetValueOrDefault(reason) + 1;
        if (_rejections.Count < KeptRejections)
        {
            _rejections.Add(new ListeningRejection(file, where, reason, detail));
        }
    }

    internal void AddListener() => Listeners++;

    internal void Note(string note) => _notes.Add(note);
}

/// <summary>One entry (or file) that could not be read.</summary>
/// <param name="File">The input file.</param>
/// <param name="Where">Where in it: <c>line 7</c>, <c>playlist 2365</c>, <c>entry 12</c>; empty for the whole file.</param>
/// <param name="Detail">What exactly was wrong.</param>
/// <param name="Reason">The <see cref="Events.RejectReason"/> of the event validator, or what else went wrong.</param>
public sealed record ListeningRejection(string File, string Where, string Reason, string Detail)
{
    public override string ToString() =>
        Where.Length > 0 ? $"{File}, {Where}: {Reason}: {Detail}" : $"{File}: {Reason}: {Detail}";
}
