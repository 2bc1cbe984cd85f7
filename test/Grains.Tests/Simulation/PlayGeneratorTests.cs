using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Encore.Catalog;
using Encore.Events;
using Encore.Simulation;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Encore.Grains.Tests.Simulation;

public sealed class PlayGeneratorTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static readonly HashSet<string> ReasonsStart = ["trackdone", "fwdbtn", "backbtn", "clickrow", "playbtn", "appload", "remote"];
    private static readonly HashSet<string> ReasonsEnd = ["trackdone", "fwdbtn", "backbtn", "endplay", "logout"];

    private readonly TrackCatalog _catalog = TestCatalogs.Synthetic;

    [Fact]
    public void TheSameSeedGivesTheIdenticalSequence()
    {
        var first = Generator(seed: 7).Generate(20_000).ToList();
        var second = Generator(seed: 7).Generate(20_000).ToList();

        Assert.Equal(first, second);
        // The same fingerprint in every process and on every machine: compare runs by it.
        var fingerprint = Convert.ToHexString(SHA256.HashData(first.SelectMany(EventJson.Serialize).ToArray()));
        output.WriteLine($"fingerprint of the first 20 000 plays for seed 7: {fingerprint}");
    }

    [Fact]
    public void PlaysRoundTripThroughTheEventJson()
    {
        foreach (var play in Generator(seed: 12).Generate(2_000))
        {
            var json = EventJson.Serialize(play);

            Assert.Equal(play, JsonSerializer.Deserialize(json, EventJson.Default.ListeningEvent));
        }

        var text = Encoding.UTF8.GetString(EventJson.Serialize(Generator(seed: 12).Generate(1).Single()));
        output.WriteLine(text);
        Assert.Contains("\"eventId\":", text, StringComparison.Ordinal);
        Assert.Contains("\"msPlayed\":", text, StringComparison.Ordinal);
        Assert.Contains("\"reasonStart\":", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EnumeratingAgainReplaysTheSequenceFromTheStart()
    {
        var generator = Generator(seed: 7);

        Assert.Equal(generator.Generate(5_000).ToList(), generator.Generate(5_000).ToList());
    }

    [Fact]
    public void ADifferentSeedGivesADifferentSequence()
    {
        var first = Generator(seed: 7).Generate(1_000).ToList();
        var other = Generator(seed: 8).Generate(1_000).ToList();

        Assert.Empty(first.Select(e => e.EventId).Intersect(other.Select(e => e.EventId)));
        Assert.NotEqual(first.Select(e => e.TrackId), other.Select(e => e.TrackId));
    }

    [Fact]
    public void EventIdsAreDistinctOver100000Events()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);

        foreach (var play in Generator(seed: 1).Generate(100_000))
        {
            Assert.True(ids.Add(play.EventId), $"duplicate eventId {play.EventId}");
        }

        Assert.True(Guid.TryParse(ids.First(), out _));
    }

    [Fact]
    public void EveryEventIsValid()
    {
        // The clock stands two days after the start: 100 000 plays by 1 000 listeners span more than
        // that, so the simulation catches up with the clock and must not run past it.
        var clock = new FakeTimeProvider(Now);
        var start = Now.AddDays(-2);
        var generator = new PlayGenerator(_catalog, new GeneratorSettings { Seed = 3, Users = 1_000, Start = start, Clock = clock });
        var users = generator.Users.Select(u => u.UserId).ToHashSet();
        var previous = DateTimeOffset.MinValue;
        var atClock = 0;

        foreach (var play in generator.Generate(100_000))
        {
            Assert.True(_catalog.TryGet(play.TrackId, out var track), $"unknown track {play.TrackId}");
            Assert.Contains(play.UserId, users);
            Assert.InRange(play.MsPlayed, 0, track.DurationMs);
            Assert.InRange(play.Ts, start, Now);
            Assert.True(play.Ts >= previous, "events come in event-time order");
            Assert.Contains(play.ReasonStart!, ReasonsStart);
            Assert.Contains(play.ReasonEnd!, ReasonsEnd);
            Assert.NotNull(play.Shuffle);
            Assert.False(string.IsNullOrEmpty(play.Platform));
            Assert.Matches("^[A-Z]{2}$", play.Country!);
            if (play.Skipped == true)
            {
                Assert.True(play.MsPlayed < track.DurationMs, "a skip ends before the track does");
            }

            if (play.ReasonEnd == "trackdone")
            {
                Assert.InRange(track.DurationMs - play.MsPlayed, 0, 1_500);
            }

            previous = play.Ts;
            atClock += play.Ts == Now ? 1 : 0;
        }

        output.WriteLine($"{atClock} of 100 000 plays reached the clock and were stamped with its now.");
        Assert.True(atClock > 0, "the simulation should have caught up with the clock");
    }

    [Fact]
    public void MostSkipsEndWithinThirtySecondsAndCompletionsReachTheEnd()
    {
        var plays = Generator(seed: 5).Generate(50_000).ToList();
        var skips = plays.Where(p => p.Skipped == true).ToList();
        var skipRate = skips.Count / (double)plays.Count;

        output.WriteLine($"skip rate {skipRate:P1}, {skips.Count(s => s.MsPlayed < 30_000) / (double)skips.Count:P1} of skips under 30 s");
        Assert.InRange(skipRate, 0.15, 0.5);
        Assert.InRange(skips.Count(s => s.MsPlayed < ListeningEvent.SkipThresholdMs) / (double)skips.Count, 0.75, 0.95);
        Assert.True(plays.Count(p => p.ReasonEnd == "trackdone") > plays.Count / 2);
    }

    [Fact]
    public void SkipsGrowWithTasteDistance()
    {
        var generator = Generator(seed: 11);
        var plays = generator.Generate(50_000)
            .Select(p => (Distance: generator.TasteDistance(p.UserId, p.TrackId), Skip: p.IsSkip))
            .OrderBy(p => p.Distance)
            .ToList();
        var quarter = plays.Count / 4;
        var nearest = plays.Take(quarter).Average(p => p.Skip ? 1.0 : 0.0);
        var farthest = plays.Skip(plays.Count - quarter).Average(p => p.Skip ? 1.0 : 0.0);

        output.WriteLine($"skip rate: nearest quartile {nearest:P1}, farthest quartile {farthest:P1}");
        Assert.True(farthest - nearest > 0.3, $"nearest {nearest:P1}, farthest {farthest:P1}");
        Assert.True(nearest < farthest / 2, $"nearest {nearest:P1}, farthest {farthest:P1}");
    }

    [Fact]
    public void SkipProbabilityRisesWithDistanceAndFallsForFavouriteGenres()
    {
        var generator = Generator(seed: 11);
        var taste = generator.Users[0];
        var byDistance = _catalog.Tracks
            .Select(t => (t.TrackId, Distance: generator.TasteDistance(taste.UserId, t.TrackId)))
            .OrderBy(t => t.Distance)
            .ToList();
        var topGenreTrack = _catalog.TracksOfGenre(taste.Genres[0]).Select(i => _catalog.Tracks[i].TrackId)
            .OrderBy(id => generator.TasteDistance(taste.UserId, id))
            .First();

        Assert.True(generator.SkipProbability(taste.UserId, byDistance[0].TrackId)
            < generator.SkipProbability(taste.UserId, byDistance[^1].TrackId));
        Assert.True(generator.SkipProbability(taste.UserId, topGenreTrack) < 0.3);
    }

    [Fact]
    public void ListenersHaveHiddenTastesOfOneToFourGenres()
    {
        var generator = Generator(seed: 2, users: 500);

        Assert.Equal(Enumerable.Range(1, 500).Select(i => $"user-{i}"), generator.Users.Select(u => u.UserId));
        Assert.All(generator.Users, u =>
        {
            Assert.InRange(u.Genres.Count, 1, 4);
            Assert.Equal(u.Genres.Count, u.Genres.Distinct().Count());
            Assert.Equal(1.0, u.GenreWeights.Sum(), 9);
            Assert.Equal(u.GenreWeights.OrderDescending(), u.GenreWeights);
            Assert.Equal(TrackCatalog.FeatureCount, u.Preference.Count);
            Assert.All(u.Genres, g => Assert.Contains(g, _catalog.Genres));
        });
        Assert.Same(generator.Users[41], generator.Taste("user-42"));
        Assert.Throws<KeyNotFoundException>(() => generator.Taste("user-501"));
    }

    [Fact]
    public void ListenersPlayMostlyFromTheirFavouriteGenres()
    {
        var generator = Generator(seed: 4);
        var plays = generator.Generate(30_000).ToList();
        var inTaste = plays.Count(p =>
            _catalog.TryGet(p.TrackId, out var track)
            && track.Genres.Any(g => generator.Taste(p.UserId).Genres.Contains(g)));

        Assert.InRange(inTaste / (double)plays.Count, 0.7, 0.95);
    }

    [Fact]
    public void ListenersPlayMoreInTheEveningThanAtNight()
    {
        var generator = Generator(seed: 9);
        var byLocalHour = new int[24];
        foreach (var play in generator.Generate(60_000))
        {
            var offset = generator.Taste(play.UserId).UtcOffsetHours;
            byLocalHour[((play.Ts.UtcDateTime.Hour + offset) % 24 + 24) % 24]++;
        }

        output.WriteLine("plays by local hour: " + string.Join(' ', byLocalHour));
        var night = byLocalHour[2..6].Sum();
        var evening = byLocalHour[18..22].Sum();
        Assert.True(evening > 4 * night, $"evening {evening}, night {night}");
    }

    [Fact]
    public void SessionsAreRunsOfConsecutivePlaysSeparatedByGaps()
    {
        var plays = Generator(seed: 6, users: 50).Generate(20_000).ToList();
        var gaps = plays.GroupBy(p => p.UserId)
            .SelectMany(g => g.Zip(g.Skip(1), (a, b) => (b.Ts - a.Ts) - TimeSpan.FromMilliseconds(b.MsPlayed)))
            .ToList();

        // Within a session the next track starts within seconds; between sessions, minutes to hours pass.
        var withinSession = gaps.Count(g => g < TimeSpan.FromSeconds(3));
        var betweenSessions = gaps.Count(g => g >= TimeSpan.FromMinutes(10));
        Assert.Equal(gaps.Count, withinSession + betweenSessions);
        Assert.InRange(withinSession / (double)gaps.Count, 0.85, 0.97);
        Assert.Equal(
            plays.Count(p => p.ReasonStart is "clickrow" or "playbtn" or "appload" or "remote"),
            betweenSessions + plays.Select(p => p.UserId).Distinct().Count());
    }

    [Fact]
    public void SettingsOutsideTheirRangeAreRejectedByName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new PlayGenerator(_catalog, new GeneratorSettings { Users = 0, Start = Now }));

        Assert.Equal("Users", error.ParamName);
    }

    private PlayGenerator Generator(int seed, int users = 1_000) =>
        new(_catalog, new GeneratorSettings
        {
            Seed = seed,
            Users = users,
            Start = Now.AddDays(-30),
            Clock = new FakeTimeProvider(Now),
        });
}
