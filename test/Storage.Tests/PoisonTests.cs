using Encore.Pipeline;
using Encore.Storage.Tests.Infrastructure;
using Encore.Tracks;
using Encore.Users;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Encore.Storage.Tests;

/// <summary>
/// An event that passed validation but cannot be applied (here a userId with a NUL, which PostgreSQL
/// refuses as a grain key and as warehouse text; the Kafka path rejects it earlier, this feeds the
/// stream directly) is dead-lettered, and every partition goes on counting ordinary plays exactly.
/// </summary>
public sealed class PoisonTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [PostgresFact]
    public async Task ANulUserIdIsDeadLetteredAndOrdinaryPlaysOnEveryPartitionKeepBeingCounted()
    {
        var settings = new Dictionary<string, string>
        {
            ["Pipeline:PoisonAttempts"] = "3",
            ["Pipeline:PoisonMinAge"] = "00:00:00",
            ["FeatureState:WriteEveryEvents"] = "1",
        };
        await using var cluster = await PostgresCluster.StartAsync(database.ConnectionString, "poison-events", silos: 1, settings: settings);
        var client = cluster.Client;
        var tracks = Plays.Tracks(4, skip: 900);
        var now = DateTimeOffset.UtcNow;
        var run = Guid.NewGuid().ToString("N")[..8];

        // Partition 0: ten plays of two listeners with the poison at offset 4.
        var first = Enumerable.Range(0, 10)
            .Select(i => Plays.Event($"poison-neighbour-{i % 2}", tracks[i % 4], now.AddMinutes(-100 + i), eventId: $"{run}-p0-{i}"))
            .ToArray();
        first[4] = first[4] with { UserId = "a\0b" };
        var batch = Plays.At(0, 0, first);
        await client.PublishAndWaitAsync(batch);

        // Memory streams do not replay by themselves: the test brings the batch again as the Kafka
        // receiver would when the partition grain asks for a replay, until the poison is set aside.
        // Each replay is processed before the next is sent, so that one delivery never holds an offset
        // twice (a Kafka read never does); each replays the nine ordinary events.
        var recorded = (RecordingDeadLetters)cluster.Silos.OfType<InProcessSiloHandle>().First().ServiceProvider.GetRequiredService<IDeadLetters>();
        var partition0 = client.GetGrain<IPartitionGrain>(0);
        for (var replays = 1; recorded.Written.IsEmpty; replays++)
        {
            Assert.True(replays <= 10, "the poison is dead-lettered within 10 replays");
            await client.PublishAsync(batch);
            await Eventually.TrueAsync(async () => (await partition0.GetStatusAsync()).ReplaysSkipped == 9L * replays, $"replay {replays} processed", Deadline);
        }

        var (poison, reason) = Assert.Single(recorded.Written);
        Assert.Equal((0, 4L, "a\0b"), (poison.Partition, poison.Offset, poison.Event.UserId));
        Assert.Contains("0x00", reason);

        // Ordinary plays keep coming on every partition, partition 0 included.
        var later = new List<Encore.Events.PartitionEvent>();
        for (var partition = 0; partition < PostgresCluster.Queues; partition++)
        {
            var events = Enumerable.Range(0, 10)
                .Select(i => Plays.Event($"poison-neighbour-{i % 2}", tracks[i % 4], now.AddMinutes(-50 + i), eventId: $"{run}-later-{partition}-{i}"))
                .ToArray();
            var at = Plays.At(partition, partition == 0 ? 10 : 0, events);
            later.AddRange(at);
            await client.PublishAndWaitAsync(at);
        }

        // Every partition declares its whole range durable: nothing is held up by the poison.
        for (var partition = 0; partition < PostgresCluster.Queues; partition++)
        {
            var p = client.GetGrain<IPartitionGrain>(partition);
            var end = partition == 0 ? 20 : 10;
            await Eventually.TrueAsync(async () => (await p.GetStatusAsync()).DeclaredNextOffset == end, $"partition {partition} declared to {end}", Deadline);
        }

        // Exact counts: 9 ordinary plays of the first batch, 40 later ones.
        var ordinary = first.Where(e => e.UserId != "a\0b").Concat(later.Select(e => e.Event)).ToList();
        Assert.Equal(49, ordinary.Count);
        foreach (var user in ordinary.GroupBy(e => e.UserId))
        {
            Assert.Equal(user.Count(), (await client.GetGrain<IUserGrain>(user.Key).GetProfileAsync())!.Plays);
        }

        foreach (var track in ordinary.GroupBy(e => e.TrackId))
        {
            Assert.Equal(track.Count(), (await client.GetGrain<ITrackGrain>(track.Key).GetAsync())!.Plays);
        }

        // The warehouse has each ordinary event once and set the poison aside with PostgreSQL's reason.
        await Eventually.TrueAsync(
            async () => await TestPostgres.ScalarAsync<long>(database.ConnectionString, $"SELECT count(*) FROM warehouse.play_events WHERE event_id LIKE '{run}-%'") == 49,
            "49 warehouse rows", Deadline);
        var rejected = await TestPostgres.RowsAsync(database.ConnectionString,
            "SELECT kafka_partition, kafka_offset, reason, event FROM warehouse.rejected_plays");
        var row = Assert.Single(rejected);
        Assert.Equal((0, 4L), ((int)row[0]!, (long)row[1]!));
        Assert.StartsWith("22021: ", (string)row[2]!);
        Assert.Contains("\"userId\":\"a\\u0000b\"", (string)row[3]!);
    }
}
