using System.Globalization;
using Bogus;

namespace Encore.Catalog;

/// <summary>
/// Generates the synthetic stand-in for the Kaggle file: tracks with Bogus names, spread evenly over
/// the Kaggle genres, each genre with its own audio-feature profile so that genres differ the way
/// they do in the real data (metal is loud and energetic, sleep is quiet and instrumental, comedy is
/// speech, ...).
/// </summary>
/// <remarks>
/// Everything is drawn from one <see cref="Randomizer"/> seeded with the caller's seed, in a fixed
/// order, and nothing global (<see cref="Randomizer.Seed"/>) is read or written: the same seed and
/// size always give the same catalog, whatever else runs in the process.
/// </remarks>
internal static class SyntheticCatalog
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int SpotifyIdLength = 22;

    private static readonly TextInfo Titles = CultureInfo.InvariantCulture.TextInfo;

    // Genres are matched on name fragments to give their profile a character; the rest of each
    // profile is drawn at random. Later rules win where several match.
    private static readonly (string[] Fragments, Action<GenreProfile> Adjust)[] Characters =
    [
        (["rock", "punk", "grunge", "alternative", "british", "power-pop"], p => { p.Energy = 0.78; p.Acousticness = 0.12; }),
        (["metal", "hardcore", "grindcore", "hardstyle", "industrial", "drum-and-bass", "dubstep"],
            p => { p.Energy = 0.9; p.Acousticness = 0.03; p.Valence = 0.3; p.Tempo += 15; p.Danceability = 0.42; }),
        (["house", "techno", "trance", "edm", "electro", "club", "dance", "idm", "breakbeat", "garage", "party"],
            p => { p.Danceability = 0.72; p.Energy = 0.8; p.Acousticness = 0.05; p.InstrumentalShare = 0.45; p.Tempo = 126; }),
        (["hip-hop", "dancehall", "reggaeton", "r-n-b", "trip-hop"],
            p => { p.Danceability = 0.74; p.Speechiness = 0.18; p.ExplicitShare = 0.35; p.Tempo = 100; }),
        (["happy", "kids", "children", "disney", "salsa", "samba", "forro", "pagode", "latin", "reggae", "ska", "funk", "disco", "afrobeat", "brazil", "sertanejo", "mpb", "groove"],
            p => { p.Valence = 0.72; p.Danceability = 0.68; }),
        (["acoustic", "folk", "singer-songwriter", "songwriter", "guitar", "bluegrass", "country", "honky-tonk", "romance", "sad", "tango"],
            p => { p.Energy = 0.4; p.Acousticness = 0.7; p.InstrumentalShare = 0.05; }),
        (["sleep", "ambient", "classical", "piano", "new-age", "study", "chill"],
            p => { p.Energy = 0.18; p.Acousticness = 0.85; p.InstrumentalShare = 0.75; p.Danceability = 0.35; p.Tempo = 100; p.Valence = 0.2; }),
        (["opera", "show-tunes", "jazz", "blues", "soul", "gospel"], p => { p.Acousticness = 0.6; p.Energy = 0.42; p.Liveness = 0.25; }),
        (["sad", "emo", "goth"], p => p.Valence = 0.25),
        (["comedy"], p => { p.Speechiness = 0.8; p.Liveness = 0.7; p.Acousticness = 0.8; p.InstrumentalShare = 0; p.ExplicitShare = 0.3; }),
    ];

    public static IEnumerable<(Track Track, string[] Genres)> Generate(int seed, int trackCount)
    {
        var faker = new Faker { Random = new Randomizer(seed) };
        var random = faker.Random;
        string[] genres = [.. KaggleGenres.All];
        var profiles = genres.Select(g => GenreProfile.Draw(g, random)).ToArray();
        var neighbours = NearestGenres(profiles, count: 6);
        var artistsByGenre = genres.Select(_ => new List<Artist>()).ToArray();
        var ids = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < trackCount; i++)
        {
            // Tracks come in genre blocks, like the Kaggle file's 1 000 rows per genre.
            var primary = (int)((long)i * genres.Length / trackCount);
            var profile = profiles[primary];
            var extraGenres = random.WeightedRandom<int>([0, 1, 2], [0.8f, 0.15f, 0.05f]);
            var trackGenres = new List<string>(3) { genres[primary] };
            while (trackGenres.Count < 1 + extraGenres)
            {
                var other = genres[random.ArrayElement(neighbours[primary])];
                if (!trackGenres.Contains(other))
                {
                    trackGenres.Add(other);
                }
            }

            var artist = PickArtist(artistsByGenre[primary], faker, trackCount / genres.Length / 4 + 1);
            string[] artists = [artist.Name];
            if (random.Bool(0.12f))
            {
                var featured = PickArtist(artistsByGenre[Array.IndexOf(genres, random.ListItem(trackGenres))], faker, int.MaxValue);
                if (featured.Name != artist.Name)
                {
                    artists = [artist.Name, featured.Name];
                }
            }

            string id;
            do
            {
                id = random.String2(SpotifyIdLength, Base62);
            }
            while (!ids.Add(id));

            var energy = Clamp(Normal(random, profile.Energy, 0.15), 0, 1);
            var track = new Track
            {
                TrackId = id,
                TrackName = TrackName(faker),
                AlbumName = artist.NextAlbum(faker),
                Artists = artists,
                Genres = [.. trackGenres],
                Popularity = random.Bool(0.08f) ? 0 : (int)Math.Round(Clamp(Normal(random, profile.Popularity, 18), 0, 100)),
                DurationMs = (int)Clamp(Math.Exp(Normal(random, Math.Log(profile.MedianDurationMs), 0.3)), 30_000, 1_200_000),
                Explicit = random.Bool((float)profile.ExplicitShare),
                Danceability = Round3(Clamp(Normal(random, profile.Danceability, 0.12), 0, 0.985)),
                Energy = Round3(energy),
                Key = random.Number(0, 11),
                Loudness = Round3(Clamp(-22 + (17 * energy) + Normal(random, 0, 2.5), -49.5, 4.5)),
                Mode = random.Bool(0.64f) ? 1 : 0,
                Speechiness = Round3(Clamp(profile.Speechiness * Math.Exp(Normal(random, 0, 0.45)), 0.022, 0.965)),
                Acousticness = Round3(Clamp(Normal(random, profile.Acousticness, 0.18), 0, 0.996)),
                Instrumentalness = Instrumentalness(random, profile.InstrumentalShare),
                Liveness = Round3(Clamp(profile.Liveness * Math.Exp(Normal(random, 0, 0.5)), 0.01, 1)),
                Valence = Round3(Clamp(Normal(random, profile.Valence, 0.2), 0, 0.995)),
                Tempo = Round3(Clamp(Normal(random, profile.Tempo, 24), 40, 243)),
                TimeSignature = random.WeightedRandom<int>([4, 3, 5, 1, 0], [0.893f, 0.081f, 0.016f, 0.009f, 0.001f]),
            };

            yield return (track, track.Genres);
        }
    }

    private static Artist PickArtist(List<Artist> pool, Faker faker, int poolSize)
    {
        // Fill each genre's pool lazily, then reuse it, so artists have several tracks and albums.
        if (pool.Count == 0 || (pool.Count < poolSize && faker.Random.Bool(0.35f)))
        {
            pool.Add(new Artist(ArtistName(faker)));
        }

        return faker.Random.ListItem(pool);
    }

    private static string ArtistName(Faker faker) => faker.Random.Number(0, 9) switch
    {
        < 5 => faker.Name.FullName(),
        < 7 => $"The {Titles.ToTitleCase(faker.Hacker.Adjective())} {Titles.ToTitleCase(faker.Hacker.Noun())}s",
        < 9 => $"{faker.Name.FirstName()} {Titles.ToTitleCase(faker.Commerce.Color())}",
        _ => Titles.ToTitleCase(faker.Address.City()),
    };

    private static string TrackName(Faker faker) => faker.Random.Number(0, 5) switch
    {
        0 => Titles.ToTitleCase(faker.Hacker.IngVerb()),
        1 => $"{Titles.ToTitleCase(faker.Commerce.Color())} {Titles.ToTitleCase(faker.Hacker.Noun())}",
        2 => $"{Titles.ToTitleCase(faker.Hacker.Adjective())} {Titles.ToTitleCase(faker.Hacker.Noun())}",
        3 => $"{faker.Name.FirstName()}, {Titles.ToTitleCase(faker.Hacker.Verb())} Me",
        4 => $"{Titles.ToTitleCase(faker.Hacker.IngVerb())} in {faker.Address.City()}",
        _ => $"{Titles.ToTitleCase(faker.Hacker.Noun())} - {Titles.ToTitleCase(faker.Commerce.ProductAdjective())} Version",
    };

    private static float Instrumentalness(Randomizer random, double instrumentalShare) =>
        random.Bool((float)instrumentalShare)
            ? Round3(random.Double(0.5, 0.98))
            // Vocal tracks: exactly 0 or a tiny value such as 1.01e-06, as in the real data.
            : random.Bool(0.35f) ? 0f : (float)Math.Round(Math.Exp(random.Double(Math.Log(1e-6), Math.Log(0.05))), 8);

    private static int[][] NearestGenres(GenreProfile[] profiles, int count) =>
    [
        .. profiles.Select(p => profiles
            .Select((q, index) => (Index: index, Distance: p.DistanceTo(q)))
            .Where(x => !ReferenceEquals(profiles[x.Index], p))
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Index)
            .Take(count)
            .Select(x => x.Index)
            .ToArray()),
    ];

    private static double Normal(Randomizer random, double mean, double standardDeviation)
    {
        // Box-Muller on the seeded randomizer: Bogus has no Gaussian of its own.
        var u1 = 1.0 - random.Double();
        var u2 = random.Double();
        return mean + (standardDeviation * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    private static double Clamp(double value, double min, double max) => Math.Clamp(value, min, max);

    private static float Round3(double value) => (float)Math.Round(value, 3);

    private sealed class Artist(string name)
    {
        private readonly List<string> _albums = [];

        public string Name { get; } = name;

        public string NextAlbum(Faker faker)
        {
            if (_albums.Count == 0 || faker.Random.Bool(0.3f))
            {
                _albums.Add(faker.Random.Number(0, 3) switch
                {
                    0 => Titles.ToTitleCase(faker.Address.City()),
                    1 => $"{Titles.ToTitleCase(faker.Commerce.ProductAdjective())} {Titles.ToTitleCase(faker.Hacker.Noun())}s",
                    2 => $"{Titles.ToTitleCase(faker.Hacker.IngVerb())} {Titles.ToTitleCase(faker.Commerce.ProductMaterial())}",
                    _ => $"{Titles.ToTitleCase(faker.Commerce.Color())} ({faker.Random.Number(1990, 2024)})",
                });
            }

            return faker.Random.ListItem(_albums);
        }
    }

    /// <summary>The mean audio features of a genre's tracks.</summary>
    private sealed class GenreProfile
    {
        public double Danceability { get; set; }
        public double Energy { get; set; }
        public double Speechiness { get; set; }
        public double Acousticness { get; set; }
        public double InstrumentalShare { get; set; }
        public double Liveness { get; set; }
        public double Valence { get; set; }
        public double Tempo { get; set; }
        public double ExplicitShare { get; set; }
        public double Popularity { get; set; }
        public double MedianDurationMs { get; set; }

        public static GenreProfile Draw(string genre, Randomizer random)
        {
            var energy = random.Double(0.4, 0.85);
            var profile = new GenreProfile
            {
                Danceability = random.Double(0.42, 0.7),
                Energy = energy,
                Speechiness = random.Double(0.04, 0.09),
                Acousticness = Math.Clamp(1.0 - energy + random.Double(-0.15, 0.15), 0.02, 0.95),
                InstrumentalShare = random.Double(0.02, 0.2),
                Liveness = random.Double(0.13, 0.25),
                Valence = random.Double(0.35, 0.62),
                Tempo = random.Double(108, 132),
                ExplicitShare = random.Double(0, 0.1),
                Popularity = random.Double(18, 48),
                MedianDurationMs = random.Double(180_000, 250_000),
            };

            foreach (var (fragments, adjust) in Characters)
            {
                if (fragments.Any(f => genre.Contains(f, StringComparison.Ordinal)))
                {
                    adjust(profile);
                }
            }

            return profile;
        }

        public double DistanceTo(GenreProfile other)
        {
            // Tempo on a 0-1 scale like the rest, so that it does not dominate the neighbourhood.
            double[] d =
            [
                Danceability - other.Danceability, Energy - other.Energy, Speechiness - other.Speechiness,
                Acousticness - other.Acousticness, InstrumentalShare - other.InstrumentalShare,
                Valence - other.Valence, (Tempo - other.Tempo) / 100,
            ];
            return Math.Sqrt(d.Sum(x => x * x));
        }
    }
}
