using Encore.Catalog;
using Encore.Events;

namespace Encore.Client.Listening;

/// <summary>What every reader works with during one read: the catalog, the options, the summary it fills.</summary>
internal sealed class ReadContext(TrackCatalog catalog, ListeningReadSummary summary, ListeningReadOptions options)
{
    private readonly DateTimeOffset _now = options.Clock.GetUtcNow();
    private CatalogMatcher? _matcher;

    public TrackCatalog Catalog => catalog;

    public ListeningReadSummary Summary => summary;

    public ListeningReadOptions Options => options;

    /// <summary>Built on first use: the JSON-lines reader needs no name index.</summary>
    public CatalogMatcher Matcher => _matcher ??= new CatalogMatcher(catalog);

    /// <summary>The clock reading the validator's future-timestamp rule uses, taken once per read.</summary>
    public DateTimeOffset Now => _now;

    /// <summary>
    /// The last step for a play built from a source entry: the event validator decides, exactly as the
    /// pipeline would, and the summary counts the play by how it matched or the reason it was refused.
    /// </summary>
    public void Accept(List<ListeningEvent> plays, ListeningEvent candidate, TrackMatch match, SourceFile file, string where)
    {
        var result = EventValidator.Validate(candidate, _now, catalog.Contains);
        if (result.Event is { } play)
        {
            plays.Add(play);
            summary.Count(match);
        }
        else
        {
            summary.Reject(file.Name, where, result.Reason!.Value.ToString(), result.Detail!);
        }
    }
}
