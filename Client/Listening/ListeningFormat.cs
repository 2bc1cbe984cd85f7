namespace Encore.Client.Listening;

/// <summary>The kinds of listening data <c>replay</c> and <c>evaluate</c> read (README, command-line client).</summary>
public enum ListeningFormat
{
    /// <summary>Events of the contract (README, the listening event), one JSON object a line.</summary>
    Jsonl,

    /// <summary>Spotify's "Download your data" exports: StreamingHistory*.json and the extended streaming history.</summary>
    Spotify,

    /// <summary>Spotify Million Playlist Dataset slices (mpd.slice.*.json): each playlist a listener.</summary>
    Mpd,
}
