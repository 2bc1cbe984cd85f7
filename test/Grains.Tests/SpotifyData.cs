namespace Encore.Grains.Tests;

/// <summary>
/// Finds the Kaggle "Spotify Tracks Dataset" CSV, which is never committed: a machine that has it keeps
/// it as <c>shared/data/spotify_tracks.csv</c> in a folder above the test binaries, usually the folder
/// that holds the checkout (the README, "Tests").
/// </summary>
internal static class SpotifyData
{
    private const string RelativePath = "shared/data/spotify_tracks.csv";

    /// <summary>The full path of the file, or null when no folder above the test binaries has it.</summary>
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A fact that needs the real Kaggle file, skipped (with the reason) on machines that lack it.</summary>
public sealed class RealCatalogFactAttribute : FactAttribute
{
    public RealCatalogFactAttribute()
    {
        if (SpotifyData.Path is null)
        {
            Skip = "The Kaggle Spotify tracks CSV is not here: no shared/data/spotify_tracks.csv in any folder above "
                + AppContext.BaseDirectory;
        }
    }
}
