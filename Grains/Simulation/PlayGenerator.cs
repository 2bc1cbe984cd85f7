using Bogus;
using Encore.Catalog;
using Encore.Events;

namespace Encore.Simulation;

/// <summary>
/// Simulates listeners playing catalog tracks and yields their <see cref="ListeningEvent"/>s in
/// event-time order (<c>encore generate</c>, and the silo's demo traffic).
/// </summary>
/// <remarks>
/// <para>Each listener has a hidden <see cref="UserTaste"/>: a mixture of 1-4 genres and a preferred
/// point in standardized audio-feature space. Listeners play in sessions (runs of consecutive plays)
/// that start more often at their peak local hours. Most plays come from the favourite genres, leaning
/// to the tracks nearest the preference; the rest explore the whole catalog or replay a favourite.
/// Whether a play is skipped depends on how far the track lies from the taste and whether its genre
/// is one of the listener's, so that plays carry a signal a recommender can learn.</para>
/// <para>Pure and deterministic: the same catalog and settings give the same sequence, every time
/// <see cref="Generate()"/> is enumerated. Nothing global is touched (no <c>Randomizer.Seed</c>).</para>
/// </remarks>
public sealed class PlayGenerator
{
    private const int FeatureCount = TrackCatalog.FeatureCount;

    // Skip model: log-odds = Bias + DistanceSlope * (distance - DistancePivot) + MismatchWeight * (1 - affinity) + pickiness.
    private const double SkipBias = -1.5;
    private const double SkipDistanceSlope = 2.4;
    private const double SkipDistancePivot = 0.9;
    private const double SkipMismatchWeight = 1.4;

    private static readonly (string Country, int UtcOffsetHours, float Weight)[] Countries =
    [
        ("US", -5, 0.26f), ("BR", -3, 0.1f), ("GB", 0, 0.08f), ("DE", 1, 0.07f), ("MX", -6, 0.06f),
        ("IN", 5, 0.07f), ("FR", 1, 0.05f), ("JP", 9, 0.05f), ("ES", 1, 0.04f), ("CA", -5, 0.04f),
        ("SE", 1, 0.03f), ("ID", 7, 0.04f), ("PH", 8, 0.04f), ("AU", 10, 0.03f), ("TR", 3, 0.04f),
    ];

    private static readonly string[] Platforms = ["android", "ios", "windows", "osx", "web_player", "linux", "cast"];
    private static readonly float[] PlatformWeights = [0.45f, 0.28f, 0.12f, 0.06f, 0.05f, 0.02f, 0.02f];

    // How much a listener plays at each local hour, before the listener's own peaks.
    private static readonly double[] HourlyActivity =
    [
        0.15, 0.08, 0.05, 0.04, 0.04, 0.08, 0.3, 0.7, 0.9, 0.7, 0.6, 0.6,
        0.8, 0.7, 0.6, 0.6, 0.8, 1.0, 1.0, 0.95, 0.9, 0.8, 0.6, 0.35,
    ];

    private readonly TrackCatalog _catalog;
    private readonly UserTaste[] _users;
    private readonly Dictionary<string, int> _userIndex;
    private readonly float[] _preferences;
    private readonly double[][] _hourWeights;
    private readonly int[][] _genrePools;
    private readonly Dictionary<string, int> _genreIndex;
    private readonly int[][] _userGenres;
    private readonly int[] _playable;

    public PlayGenerator(TrackCatalog catalog, GeneratorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _catalog = catalog;
        Settings = settings;

        // Only tracks with a duration can be played (the Kaggle file has one zero-length row).
        _playable = [.. Enumerable.Range(0, catalog.Count).Where(i => catalog.Tracks[i].DurationMs > 0)];
        if (_playable.Length == 0)
        {
            throw new ArgumentException("The catalog has no track with a positive duration to play.", nameof(catalog));
        }

        var genres = catalog.Genres;
        _genreIndex = genres.Select((g, i) => (g, i)).ToDictionary(x => x.g, x => x.i, StringComparer.Ordinal);
        _genrePools = [.. genres.Select(g => catalog.TracksOfGenre(g).Where(i => catalog.Tracks[i].DurationMs > 0).ToArray())];
        var centroids = GenreCentroids(catalog, _genrePools);
        var liveGenres = Enumerable.Range(0, genres.Count).Where(g => _genrePools[g].Length > 0).ToArray();
        if (liveGenres.Length == 0)
        {
            throw new ArgumentException("No genre of the catalog has a track to play: listeners need at least one.", nameof(catalog));
        }

        var faker = new Faker { Random = new Randomizer(settings.Seed) };
        _users = new UserTaste[settings.Users];
        _userGenres = new int[settings.Users][];
        _preferences = new float[settings.Users * FeatureCount];
        _hourWeights = new double[settings.Users][];
        _userIndex = new Dictionary<string, int>(settings.Users, StringComparer.Ordinal);
        for (var u = 0; u < settings.Users; u++)
        {
            (_users[u], _userGenres[u]) = CreateUser(u, faker, liveGenres, centroids, _preferences.AsSpan(u * FeatureCount, FeatureCount));
            _hourWeights[u] = HourWeights(_users[u]);
            _userIndex.Add(_users[u].UserId, u);
        }
    }

    public GeneratorSettings Settings { get; }

    /// <summary>Every simulated listener, <c>user-1</c> first.</summary>
    public IReadOnlyList<UserTaste> Users => _users;

    /// <exception cref="KeyNotFoundException">Not one of this generator's users.</exception>
    public UserTaste Taste(string userId) => _users[UserIndex(userId)];

    /// <summary>
    /// Root-mean-square difference, per standardized feature, between a track and a listener's
    /// preferred point: about 0.5-1 for tracks that suit the listener, 1.5 and more for far ones.
    /// </summary>
    public double TasteDistance(string userId, string trackId) => Distance(UserIndex(userId), TrackIndex(trackId));

    /// <summary>The probability that the listener skips the track (before the per-play coin flip).</summary>
    public double SkipProbability(string userId, string trackId) => SkipProbability(UserIndex(userId), TrackIndex(trackId));

    /// <summary>
    /// The endless stream of plays, in non-decreasing <see cref="ListeningEvent.Ts"/> order. Each
    /// enumeration starts the simulation afresh from <see cref="GeneratorSettings.Seed"/>.
    /// </summary>
    public IEnumerable<ListeningEvent> Generate()
    {
        var simulation = new Simulation(this);
        while (true)
        {
            yield return simulation.Next();
        }
    }

    /// <summary>The first <paramref name="count"/> plays of <see cref="Generate()"/>.</summary>
    public IEnumerable<ListeningEvent> Generate(int count) => Generate().Take(count);

    private int UserIndex(string userId) =>
        _userIndex.TryGetValue(userId, out var index) ? index : throw new KeyNotFoundException($"No simulated user '{userId}'.");

    private int TrackIndex(string trackId)
    {
        var index = _catalog.IndexOf(trackId);
        return index >= 0 ? index : throw new KeyNotFoundException($"No track '{trackId}' in the catalog.");
    }

    private double Distance(int user, int track)
    {
        var preference = _preferences.AsSpan(user * FeatureCount, FeatureCount);
        var features = _catalog.FeatureVector(track);
        var sum = 0.0;
        for (var f = 0; f < FeatureCount; f++)
        {
            var d = features[f] - preference[f];
            sum += d * d;
        }

        return Math.Sqrt(sum / FeatureCount);
    }

    private double SkipProbability(int user, int track)
    {
        var taste = _users[user];
        var affinity = 0.0;
        foreach (var genre in _catalog.Tracks[track].Genres)
        {
            affinity = Math.Max(affinity, taste.AffinityFor(genre));
        }

        var logOdds = SkipBias
            + (SkipDistanceSlope * (Distance(user, track) - SkipDistancePivot))
            + (SkipMismatchWeight * (1 - affinity))
            + taste.Pickiness;
        return Math.Clamp(1 / (1 + Math.Exp(-logOdds)), 0.02, 0.97);
    }

    private static float[][] GenreCentroids(TrackCatalog catalog, int[][] pools)
    {
        var centroids = new float[pools.Length][];
        for (var g = 0; g < pools.Length; g++)
        {
            var centroid = new float[FeatureCount];
            foreach (var track in pools[g])
            {
                var features = catalog.FeatureVector(track);
                for (var f = 0; f < FeatureCount; f++)
                {
                    centroid[f] += features[f] / pools[g].Length;
                }
            }

            centroids[g] = centroid;
        }

        return centroids;
    }

    private (UserTaste Taste, int[] Genres) CreateUser(int index, Faker faker, int[] liveGenres, float[][] centroids, Span<float> preference)
    {
        var random = faker.Random;
        var genreCount = Math.Min(liveGenres.Length, random.WeightedRandom<int>([1, 2, 3, 4], [0.3f, 0.35f, 0.25f, 0.1f]));
        var first = random.ArrayElement(liveGenres);
        // Tastes are coherent more often than not: further genres are mostly near the first one.
        var near = liveGenres
            .Where(g => g != first)
            .OrderBy(g => SquaredDistance(centroids[g], centroids[first]))
            .ThenBy(g => g)
            .Take(8)
            .ToArray();
        var genres = new List<int>(genreCount) { first };
        while (genres.Count < genreCount)
        {
            var next = near.Length > 0 && random.Bool(0.6f) ? random.ArrayElement(near) : random.ArrayElement(liveGenres);
            if (!genres.Contains(next))
            {
                genres.Add(next);
            }
        }

        var weights = genres.Select(_ => random.Double(0.2, 1.0)).OrderDescending().ToArray();
        var total = weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= total;
        }

        for (var f = 0; f < FeatureCount; f++)
        {
            var mean = 0.0;
            for (var i = 0; i < genres.Count; i++)
            {
                mean += weights[i] * centroids[genres[i]][f];
            }

            preference[f] = (float)(mean + Normal(random, 0, 0.35));
        }

        var (country, offset, _) = random.WeightedRandom(Countries, [.. Countries.Select(c => c.Weight)]);
        var taste = new UserTaste
        {
            UserId = $"user-{index + 1}",
            DisplayName = faker.Name.FullName(),
            Genres = [.. genres.Select(g => _catalog.Genres[g])],
            GenreWeights = weights,
            Preference = preference.ToArray(),
            Pickiness = Normal(random, 0, 0.4),
            Activity = Math.Exp(Normal(random, 0, 0.5)),
            PeakHours = [random.Number(6, 9), random.Number(17, 23)],
            Country = country,
            UtcOffsetHours = offset,
            Platform = random.WeightedRandom(Platforms, PlatformWeights),
            ShuffleShare = random.Double(0, 0.7),
        };
        return (taste, [.. genres]);
    }

    private static double[] HourWeights(UserTaste taste)
    {
        var weights = new double[24];
        for (var h = 0; h < 24; h++)
        {
            var nearPeak = taste.PeakHours.Any(p => Math.Abs(p - h) <= 1);
            weights[h] = HourlyActivity[h] * (nearPeak ? 4 : 1);
        }

        return weights;
    }

    private static double SquaredDistance(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }

        return sum;
    }

    private static double Normal(Randomizer random, double mean, double standardDeviation)
    {
        // Box-Muller on the seeded randomizer: Bogus has no Gaussian of its own.
        var u1 = 1.0 - random.Double();
        var u2 = random.Double();
        return mean + (standardDeviation * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>One run of the simulation: the listeners' sessions, advanced one play at a time.</summary>
    private sealed class Simulation
    {
        private const int FavouriteCount = 32;
        private const long MsPerHour = 3_600_000;
        private const long MsPerDay = 24 * MsPerHour;

        private static readonly string[] SessionStarts = ["clickrow", "playbtn", "appload", "remote"];
        private static readonly float[] SessionStartWeights = [0.5f, 0.25f, 0.2f, 0.05f];
        private static readonly string[] SkipEnds = ["fwdbtn", "backbtn", "endplay"];
        private static readonly float[] SkipEndWeights = [0.8f, 0.12f, 0.08f];

        private readonly PlayGenerator _generator;
        private readonly Randomizer _random;
        private readonly Listener[] _listeners;
        private readonly PriorityQueue<int, (long EndMs, int User)> _queue = new();
        private readonly DateTimeOffset _start;
        private DateTimeOffset _lastTs = DateTimeOffset.MinValue;

        public Simulation(PlayGenerator generator)
        {
            _generator = generator;
            // A separate stream from the one that drew the tastes, so the tastes do not depend on how
            // many plays were generated and the plays do not replay the tastes' random numbers.
            _random = new Randomizer(unchecked((generator.Settings.Seed * 1_000_003) + 7_919));
            _start = generator.Settings.Start.ToUniversalTime();
            _listeners = new Listener[generator._users.Length];
            for (var u = 0; u < _listeners.Length; u++)
            {
                _listeners[u] = new Listener();
                StartSession(u, NextSessionStart(u, 0));
            }
        }

        public ListeningEvent Next()
        {
            var user = _queue.Dequeue();
            var listener = _listeners[user];
            var play = listener.Pending;

            // Never stamp a play in the future of the configured clock: a simulation that has caught
            // up with real time continues as a live stream.
            var ts = _start.AddMilliseconds(play.EndMs);
            var now = _generator.Settings.Clock.GetUtcNow();
            if (ts > now)
            {
                ts = now;
            }

            // Keep ts monotonic even if the clock steps back a little.
            ts = ts < _lastTs ? _lastTs : ts;
            _lastTs = ts;

            var taste = _generator._users[user];
            var @event = new ListeningEvent
            {
                EventId = play.EventId,
                UserId = taste.UserId,
                TrackId = _generator._catalog.Tracks[play.Track].TrackId,
                Ts = ts,
                MsPlayed = play.MsPlayed,
                ReasonStart = play.ReasonStart,
                ReasonEnd = play.ReasonEnd,
                Skipped = play.Skipped,
                Shuffle = listener.Shuffle,
                Platform = listener.Platform,
                Country = taste.Country,
            };

            if (!play.Skipped && play.MsPlayed >= ListeningEvent.SkipThresholdMs)
            {
                listener.RememberFavourite(play.Track, FavouriteCount);
            }

            listener.RemainingPlays--;
            if (listener.RemainingPlays > 0 && play.ReasonEnd != "endplay")
            {
                // The next track starts right after this one ends, give or take the app's gap.
                SchedulePlay(user, play.EndMs + _random.Number(50, 2_500), play.ReasonEnd);
            }
            else
            {
                StartSession(user, NextSessionStart(user, play.EndMs + (10 * 60_000)));
            }

            return @event;
        }

        /// <summary>
        /// Draws the next session start at or after <paramref name="fromMs"/> from the listener's
        /// hour-dependent rate, by thinning: candidates at the peak rate, kept in proportion to the
        /// rate at their local hour.
        /// </summary>
        private long NextSessionStart(int user, long fromMs)
        {
            var taste = _generator._users[user];
            var weights = _generator._hourWeights[user];
            var mean = weights.Average();
            var max = weights.Max();
            var peakRatePerMs = _generator.Settings.SessionsPerDay * taste.Activity * (max / mean) / MsPerDay;
            var t = (double)fromMs;
            while (true)
            {
                t += -Math.Log(1.0 - _random.Double()) / peakRatePerMs;
                var utc = _start.AddMilliseconds(t);
                var localHour = ((utc.Hour + taste.UtcOffsetHours) % 24 + 24) % 24;
                if (_random.Double() * max < weights[localHour])
                {
                    return (long)t;
                }
            }
        }

        private void StartSession(int user, long startMs)
        {
            var listener = _listeners[user];
            var taste = _generator._users[user];
            listener.Shuffle = _random.Bool((float)taste.ShuffleShare);
            listener.Platform = _random.Bool(0.85f) ? taste.Platform : _random.WeightedRandom(Platforms, PlatformWeights);
            // Geometric length with the configured mean, at least one play.
            var p = 1.0 / _generator.Settings.MeanSessionPlays;
            listener.RemainingPlays = 1 + (int)Math.Min(500, Math.Floor(Math.Log(1.0 - _random.Double()) / Math.Log(1.0 - p + 1e-12)));
            listener.SessionGenre = -1;
            SchedulePlay(user, startMs, previousEnd: null);
        }

        private void SchedulePlay(int user, long startMs, string? previousEnd)
        {
            var listener = _listeners[user];
            var track = ChooseTrack(user, listener);
            var duration = _generator._catalog.Tracks[track].DurationMs;
            var lastOfSession = listener.RemainingPlays == 1;
            var skipped = _random.Double() < _generator.SkipProbability(user, track);

            long msPlayed;
            string reasonEnd;
            if (skipped)
            {
                reasonEnd = _random.WeightedRandom(SkipEnds, SkipEndWeights);
                // Most skips come within the first seconds; some listeners give a track a minute first.
                msPlayed = _random.Bool(0.85f) || duration <= 34_000
                    ? Math.Min((long)(-Math.Log(1.0 - _random.Double()) * 8_000) + 300, Math.Min(29_999, duration - 1))
                    : _random.Long(30_000, (long)(duration * 0.9));
            }
            else if (lastOfSession && duration > 30_000 && _random.Bool(0.35f))
            {
                // The session ends mid-track: heard long enough not to be a skip, but not to the end.
                reasonEnd = _random.Bool(0.8f) ? "endplay" : "logout";
                msPlayed = _random.Long(30_000, duration);
            }
            else
            {
                reasonEnd = "trackdone";
                msPlayed = Math.Max(0, duration - _random.Number(0, 1_500));
            }

            var reasonStart = previousEnd switch
            {
                null => _random.WeightedRandom(SessionStarts, SessionStartWeights),
                "trackdone" or "fwdbtn" or "backbtn" => previousEnd,
                _ => "clickrow",
            };

            listener.Pending = new PendingPlay(
                EventId(),
                track,
                startMs + msPlayed,
                Math.Max(0, msPlayed),
                reasonStart,
                reasonEnd,
                skipped);
            _queue.Enqueue(user, (listener.Pending.EndMs, user));
        }

        private int ChooseTrack(int user, Listener listener)
        {
            var generator = _generator;
            var roll = _random.Double();
            if (roll < generator.Settings.ExplorationShare)
            {
                // Exploration: anything in the catalog, leaning to what is popular.
                var a = _random.ArrayElement(generator._playable);
                var b = _random.ArrayElement(generator._playable);
                return generator._catalog.Tracks[a].Popularity >= generator._catalog.Tracks[b].Popularity ? a : b;
            }

            if (roll < generator.Settings.ExplorationShare + 0.12 && listener.FavouriteCount > 0)
            {
                return listener.Favourite(_random.Number(0, listener.FavouriteCount - 1));
            }

            // In taste: a session tends to stay in one genre, otherwise pick one by the taste's weights.
            var genres = generator._userGenres[user];
            if (listener.SessionGenre < 0 || _random.Bool(0.4f))
            {
                var weights = generator._users[user].GenreWeights;
                var pick = _random.Double();
                var chosen = genres.Length - 1;
                for (var i = 0; i < genres.Length; i++)
                {
                    pick -= weights[i];
                    if (pick < 0)
                    {
                        chosen = i;
                        break;
                    }
                }

                listener.SessionGenre = genres[chosen];
            }

            // The nearest of a few random candidates: listeners pick what suits them, not the best match.
            var pool = generator._genrePools[listener.SessionGenre];
            var best = -1;
            var bestScore = double.MaxValue;
            for (var c = 0; c < 4; c++)
            {
                var candidate = _random.ArrayElement(pool);
                var score = generator.Distance(user, candidate)
                    - (0.004 * generator._catalog.Tracks[candidate].Popularity)
                    + (0.15 * _random.Double());
                if (score < bestScore)
                {
                    best = candidate;
                    bestScore = score;
                }
            }

            return best;
        }

        private string EventId()
        {
            // A version-4 GUID from the seeded randomizer: unique in practice, identical for a seed.
            Span<byte> bytes = stackalloc byte[16];
            _random.Bytes(16).CopyTo(bytes);
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return new Guid(bytes).ToString();
        }
    }

    private sealed class Listener
    {
        private readonly List<int> _favourites = [];
        private int _nextFavourite;

        public PendingPlay Pending { get; set; } = null!;
        public int RemainingPlays { get; set; }
        public int SessionGenre { get; set; } = -1;
        public bool Shuffle { get; set; }
        public string Platform { get; set; } = "";

        public int FavouriteCount => _favourites.Count;

        public int Favourite(int index) => _favourites[index];

        public void RememberFavourite(int track, int capacity)
        {
            if (_favourites.Contains(track))
            {
                return;
            }

            if (_favourites.Count < capacity)
            {
                _favourites.Add(track);
            }
            else
            {
                _favourites[_nextFavourite] = track;
                _nextFavourite = (_nextFavourite + 1) % capacity;
            }
        }
    }

    private sealed record PendingPlay(
        string EventId, int Track, long EndMs, long MsPlayed, string ReasonStart, string ReasonEnd, bool Skipped);
}
