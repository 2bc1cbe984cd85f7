using Encore.Catalog;

namespace Encore.Events;

/// <summary>The checks of DESIGN.md §3.1 that apply to a parsed event.</summary>
public static class EventValidator
{
    /// <summary>How far in the future an event's <c>ts</c> may be (clock skew) before it is refused.</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromDays(1);

    /// <summary>Largest accepted message, in bytes of UTF-8 JSON.</summary>
    public const int MaxEventBytes = 64 * 1024;

    /// <summary>Why <paramref name="e"/> is refused, or <c>null</c> when it is valid.</summary>
    public static string? Validate(ListeningEvent e, TrackCatalog catalog, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(e.EventId))
        {
            return "eventId is empty";
        }

        if (string.IsNullOrWhiteSpace(e.UserId))
        {
            return "userId is empty";
        }

        if (string.IsNullOrWhiteSpace(e.TrackId))
        {
            return "trackId is empty";
        }

        if (!catalog.Contains(e.TrackId))
        {
            return $"trackId '{e.TrackId}' is not in the catalog";
        }

        if (e.MsPlayed < 0)
        {
            return $"msPlayed is negative ({e.MsPlayed})";
        }

        if (e.Ts == default)
        {
            return "ts is missing";
        }

        if (e.Ts > now + MaxFutureSkew)
        {
            return $"ts {e.Ts:O} is more than a day in the future";
        }

        return null;
    }
}
