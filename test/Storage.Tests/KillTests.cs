using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Encore.Events;
using Encore.Storage.Tests.Infrastructure;

namespace Encore.Storage.Tests;

/// <summary>
/// The exactly-once effect (docs/architecture.md) under a crash: a silo process killed with SIGKILL
/// mid-stream changes no count.
/// </summary>
public sealed class KillTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(150);

    // After a loss the partition grain ignores batches read before the replay it asked for (their
    // tokens carry the read's replay epoch), so a grain's new activation never sees newer offsets of a
    // partition before the replay of the ones it lost.
    [PostgresFact]
    public async Task ASiloKilledMidStreamLosesNoPlayAndCountsNoneTwice()
    {
        var clusterId = $"kill-{Guid.NewGuid():N}"[..18];
        const int Partitions = 4;
        var topic = SharedKafka.TopicFor(clusterId, Partitions);
        var settings = new Dictionary<string, string>
        {
            // Grains hold plays in memory for a while before writing them: the window a crash hits. Long
            // enough that the kill, right after the first half is processed, always costs unwritten work.
            ["FeatureState__WriteEveryEvents"] = "10000",
            ["FeatureState__WriteInterval"] = "00:00:08",
            // Find the dead silo quickly, even when this 2-core machine is busy (a silo that deems itself
            // degraded would otherwise wait longer before voting).
            ["Orleans__Membership__ProbeTimeout"] = "00:00:02",
            ["Orleans__Membership__NumMissedProbesLimit"] = "2",
            ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
            ["Orleans__Membership__ExtendProbeTimeoutDuringDegradation"] = "false",
            // The receivers say which partitions each silo reads.
            ["Logging__LogLevel__Encore.Streams.Kafka"] = "Information",
        };
        var silos = new List<SiloProcess>();
        long[] counted = [];
        try
        {
            silos.Add(SiloProcess.Start(database.ConnectionString, clusterId, Partitions, settings));
            silos.Add(SiloProcess.Start(database.ConnectionString, clusterId, Partitions, settings));
            await Task.WhenAll(silos.Select(s => s.WaitReadyAsync(Deadline)));
            await Eventually.TrueAsync(async () => (await silos[0].StatsAsync()).GetProperty("silos").GetInt32() == 2, "two silos", Deadline);
            // The silo to be killed must be reading partitions, or killing it costs nothing.
            await Eventually.TrueAsync(() => Task.FromResult(silos[1].Output.Contains($"Reading {topic}[", StringComparison.Ordinal)),
                "the second silo reading partitions", Deadline);

            // Listener L's k-th play is track k % 10, 50 s after the previous one: each listener's first ten
            // plays bring a new track (and new artists) into their history, paired with every earlier one.
            var tracks = Plays.TracksOfDistinctArtists(10, skip: 3000);
            var now = DateTimeOffset.UtcNow;
            var events = Enumerable.Range(0, 2_000)
                .Select(i => Plays.Event($"kill-listener-{i % 50}", tracks[i / 50 % 10], now.AddSeconds(-4_000 + i), eventId: $"{clusterId}-{i}"))
                .ToList();

            await ProduceAsync(topic, events[..1_000]);
            await Eventually.TrueAsync(async () => (await silos[0].StatsAsync()).GetProperty("eventsProcessed").GetInt64() >= 1_000,
                "the first half processed", Deadline);

            await silos[1].KillAsync();
            await ProduceAsync(topic, events[1_000..]);

            var survivor = silos[0];
            await Eventually.TrueAsync(async () => (counted = await TrackPlaysAsync(survivor, tracks)).Sum() >= 2_000, "every play counted", Deadline);

            // Replays of what the dead silo held in memory may still be running: settled once every
            // partition is committed to its end.
            await Eventually.TrueAsync(
                async () => (await survivor.StatsAsync()).GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("committedOffset").GetInt64()) == 2_000,
                "every partition committed to its end", Deadline);
            counted = await TrackPlaysAsync(survivor, tracks);

            Assert.Equal(Enumerable.Repeat(200L, 10), await TrackPlaysAsync(survivor, tracks));

            // The crash really cost work held only in memory, and the survivor read events again for it:
            // a partition it kept asked for a replay (a grain it had fed died with plays unwritten), or it
            // took the dead silo's partitions over from their committed offsets, below what had been
            // processed, and grains that survived skipped what they had applied. Which of the two depends
            // on where the grains happened to live: with track statistics in buckets there are fewer grains,
            // and a run where none that the survivor fed had landed on the dead silo asked for no replay.
            var replaysSkipped = (await survivor.StatsAsync()).GetProperty("replaysSkipped").GetInt64();
            Assert.True(survivor.Output.Contains($"A consumer of {topic}[", StringComparison.Ordinal) || replaysSkipped > 0,
                "the survivor neither asked for a replay nor skipped replayed events");
            foreach (var listener in new[] { 0, 17, 49 })
            {
                var profile = await survivor.Http.GetFromJsonAsync<JsonElement>($"/api/users/kill-listener-{listener}");
                Assert.Equal(40, profile.GetProperty("plays").GetInt64());
            }

            // The collaborative signal is exact too: each of the 50 listeners brought each track and its
            // artists into their history once, paired once with each other track and artist. (A grain
            // ranks its neighbours again at most every few seconds: wait for the lists to settle.)
            async Task<bool> SimilarSettledAsync()
            {
                foreach (var track in tracks)
                {
                    var similar = Similar(await survivor.Http.GetFromJsonAsync<JsonElement>($"/api/tracks/{track}")).ToList();
                    if (similar.Count != 9 || similar.Any(s => s.CoOccurrences != 50.0))
                    {
                        return false;
                    }
                }

                return true;
            }

            await Eventually.TrueAsync(SimilarSettledAsync, "similar tracks settled", Deadline);
            foreach (var track in tracks)
            {
                var view = await survivor.Http.GetFromJsonAsync<JsonElement>($"/api/tracks/{track}");
                Assert.Equal(50, view.GetProperty("occurrences").GetInt64());
                Assert.Equal(tracks.Where(t => t != track).Order(StringComparer.Ordinal), Similar(view).Select(s => s.Id).Order(StringComparer.Ordinal));
                Assert.All(Similar(view), s => Assert.Equal(50.0, s.CoOccurrences));
            }

            foreach (var artist in tracks.Select(t => Plays.Catalog.Tracks[Plays.Catalog.IndexOf(t)].Artists[0]))
            {
                var view = await survivor.Http.GetFromJsonAsync<JsonElement>($"/api/artists/{Uri.EscapeDataString(artist)}");
                Assert.Equal(50, view.GetProperty("occurrences").GetInt64());
                Assert.NotEmpty(Similar(view));
                Assert.All(Similar(view), s => Assert.Equal(50.0, s.CoOccurrences));
            }

            await Eventually.TrueAsync(
                async () => await TestPostgres.ScalarAsync<long>(database.ConnectionString,
                    $"SELECT count(*) FROM warehouse.play_events WHERE event_id LIKE '{clusterId}-%'") == 2_000,
                "2 000 warehouse rows", Deadline);
        }
        catch (Exception exception) when (silos.Count > 0 && exception is TimeoutException or Xunit.Sdk.XunitException)
        {
            var stats = await silos[0].StatsAsync();
            var missing = await TestPostgres.RowsAsync(database.ConnectionString,
                $"SELECT i FROM generate_series(0, 1999) AS i WHERE NOT EXISTS (SELECT 1 FROM warehouse.play_events WHERE event_id = '{clusterId}-' || i) LIMIT 40");
            var listeners = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
                (await silos[0].Http.GetFromJsonAsync<JsonElement>($"/api/users/kill-listener-{i}")).GetProperty("plays").GetInt64()));
            throw new InvalidOperationException(
                $"{exception.Message} (track plays: {string.Join(", ", counted)}; listener plays: {string.Join(", ", listeners)}; " +
                $"events without a warehouse row: {string.Join(", ", missing.Select(r => r[0]))}; stats {stats})\n--- surviving silo's output ---\n{silos[0].Output}", exception);
        }
        finally
        {
            await Task.WhenAll(silos.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    private static IEnumerable<(string Id, double CoOccurrences)> Similar(JsonElement view) =>
        view.GetProperty("similar").EnumerateArray().Select(s => (s.GetProperty("id").GetString()!, s.GetProperty("coOccurrences").GetDouble()));

    private static async Task ProduceAsync(string topic, IEnumerable<ListeningEvent> events)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = SharedKafka.BootstrapServers, EnableIdempotence = true, Partitioner = Partitioner.Murmur2Random, LingerMs = 5,
        }).Build();
        await Task.WhenAll(events.Select(e => producer.ProduceAsync(topic, new Message<string, byte[]> { Key = e.UserId, Value = EventJson.Serialize(e) })));
    }

    private static async Task<long[]> TrackPlaysAsync(SiloProcess silo, string[] tracks)
    {
        try
        {
            var views = await Task.WhenAll(tracks.Select(t => silo.Http.GetFromJsonAsync<JsonElement>($"/api/tracks/{t}")));
            return [.. views.Select(v => v.GetProperty("plays").GetInt64())];
        }
        catch (HttpRequestException)
        {
            return new long[tracks.Length];
        }
    }
}
