namespace Encore.Catalog;

/// <summary>
/// The 114 genres of the Kaggle "Spotify Tracks Dataset", in the order its <c>track_genre</c> column
/// first lists them. The synthetic catalog uses exactly these so that a silo on synthetic data and a
/// silo on the real file expose the same genre names (trending per genre, recommendation reasons).
/// </summary>
public static class KaggleGenres
{
    public static IReadOnlyList<string> All { get; } =
    [
        "acoustic", "afrobeat", "alt-rock", "alternative", "ambient", "anime", "black-metal", "bluegrass",
        "blues", "brazil", "breakbeat", "british", "cantopop", "chicago-house", "children", "chill",
        "classical", "club", "comedy", "country", "dance", "dancehall", "death-metal", "deep-house",
        "detroit-techno", "disco", "disney", "drum-and-bass", "dub", "dubstep", "edm", "electro",
        "electronic", "emo", "folk", "forro", "french", "funk", "garage", "german",
        "gospel", "goth", "grindcore", "groove", "grunge", "guitar", "happy", "hard-rock",
        "hardcore", "hardstyle", "heavy-metal", "hip-hop", "honky-tonk", "house", "idm", "indian",
        "indie-pop", "indie", "industrial", "iranian", "j-dance", "j-idol", "j-pop", "j-rock",
        "jazz", "k-pop", "kids", "latin", "latino", "malay", "mandopop", "metal",
        "metalcore", "minimal-techno", "mpb", "new-age", "opera", "pagode", "party", "piano",
        "pop-film", "pop", "power-pop", "progressive-house", "psych-rock", "punk-rock", "punk", "r-n-b",
        "reggae", "reggaeton", "rock-n-roll", "rock", "rockabilly", "romance", "sad", "salsa",
        "samba", "sertanejo", "show-tunes", "singer-songwriter", "ska", "sleep", "songwriter", "soul",
        "spanish", "study", "swedish", "synth-pop", "tango", "techno", "trance", "trip-hop",
        "turkish", "world-music",
    ];
}
