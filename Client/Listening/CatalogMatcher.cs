using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Encore.Catalog;

namespace Encore.Client.Listening;

/// <summary>How a source entry found its catalog track.</summary>
internal enum TrackMatch
{
    None,
    ById,
    ByName,
    ByArtist,
}

/// <summary>
/// Finds the catalog track a Spotify entry names: by Spotify track id, else by artist and track name
/// (case, accents and spacing ignored), else, where the caller allows it, by artist alone.
/// </summary>
/// <remarks>
/// When several catalog tracks share a name (the same song on an album and a compilation) or an
/// artist, the one to pick is the one credited to that artist first, then the most popular, then the
/// first in the catalog: the artist-level evaluation reads a track's first artist, so a match should
/// keep the artist the listener played in that place.
/// </remarks>
internal sealed class CatalogMatcher
{
    private const string SpotifyTrackPrefix = "spotify:track:";
    private const string OpenTrackPrefix = "https://open.spotify.com/track/";

    private readonly TrackCatalog _catalog;
    private readonly Dictionary<string, Candidate> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Candidate> _byArtist = new(StringComparer.Ordinal);

    public CatalogMatcher(TrackCatalog catalog)
    {
        _catalog = catalog;
        for (var i = 0; i < catalog.Count; i++)
        {
            var track = catalog.Tracks[i];
            var name = Normalize(track.TrackName);
            for (var a = 0; a < track.Artists.Length; a++)
            {
                var artist = Normalize(track.Artists[a]);
                if (artist.Length == 0)
                {
                    continue;
                }

                var candidate = new Candidate(track, FirstCredit: a == 0, i);
                Keep(_byArtist, artist, candidate);
                if (name.Length > 0)
                {
                    Keep(_byName, NameKey(artist, name), candidate);
                }
            }
        }
    }

    /// <summary>
    /// How an entry finds its catalog <paramref name="track"/> (null for <see cref="TrackMatch.None"/>):
    /// <paramref name="trackUri"/> is <c>spotify:track:&lt;id&gt;</c>, an open.spotify.com track link or a bare
    /// id; <paramref name="allowArtistOnly"/> falls back to the artist's most popular track when the name is
    /// not in the catalog.
    /// </summary>
    public TrackMatch Match(string? trackUri, string? artist, string? trackName, bool allowArtistOnly, [NotNullWhen(true)] out Track? track)
    {
        if (TrackId(trackUri) is { } id && _catalog.TryGet(id, out track))
        {
            return TrackMatch.ById;
        }

        track = null;
        var normalizedArtist = Normalize(artist);
        if (normalizedArtist.Length == 0)
        {
            return TrackMatch.None;
        }

        var normalizedName = Normalize(trackName);
        if (normalizedName.Length > 0 && _byName.TryGetValue(NameKey(normalizedArtist, normalizedName), out var named))
        {
            track = named.Track;
            return TrackMatch.ByName;
        }

        if (allowArtistOnly && _byArtist.TryGetValue(normalizedArtist, out var popular))
        {
            track = popular.Track;
            return TrackMatch.ByArtist;
        }

        return TrackMatch.None;
    }

    /// <summary>The track id in a Spotify track URI or link; null for anything else (an episode, nothing).</summary>
    public static string? TrackId(string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            return null;
        }

        uri = uri.Trim();
        if (uri.StartsWith(SpotifyTrackPrefix, StringComparison.Ordinal))
        {
            return uri[SpotifyTrackPrefix.Length..];
        }

        if (uri.StartsWith(OpenTrackPrefix, StringComparison.Ordinal))
        {
            var id = uri[OpenTrackPrefix.Length..];
            var query = id.IndexOf('?', StringComparison.Ordinal);
            return query >= 0 ? id[..query] : id;
        }

        // Another kind of URI (spotify:episode:…) names no track.
        return uri.Contains(':', StringComparison.Ordinal) || uri.Contains('/', StringComparison.Ordinal) ? null : uri;
    }

    /// <summary>
    /// The form names are compared in: decomposed (FormD) with the accents (non-spacing marks) dropped,
    /// lower-case (invariant), runs of white space as one space, trimmed. "Beyoncé  " and "beyonce" are one.
    /// </summary>
    public static string Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var pendingSpace = false;
        foreach (var c in decomposed)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }

    private static string NameKey(string artist, string name) => string.Concat(artist, "\u001f", name);

    private static void Keep(Dictionary<string, Candidate> index, string key, Candidate candidate)
    {
        if (!index.TryGetValue(key, out var kept) || candidate.Beats(kept))
        {
            index[key] = candidate;
        }
    }

    private readonly record struct Candidate(Track Track, bool FirstCredit, int CatalogIndex)
    {
        public bool Beats(Candidate other) =>
            FirstCredit != other.FirstCredit ? FirstCredit
            : Track.Popularity != other.Track.Popularity ? Track.Popularity > other.Track.Popularity
            : CatalogIndex < other.CatalogIndex;
    }
}
