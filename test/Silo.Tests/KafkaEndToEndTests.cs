using System.Net.Http.Json;
using System.Text;
using Confluent.Kafka;
using Encore.Events;
using Encore.Streams.Kafka.Providers;

namespace Encore.Silo.Tests;

/// <summary>
/// Events produced straight to the embedded Kafka cluster by a plain Kafka producer, as any outside
/// client would: exact counts out of the API, and every rejected message on the dead-letter topic.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class KafkaEndToEndTests(SiloFixture silo)
{
    private readonly HttpClient _http = silo.Http;

    [Fact]
    public async Task PlaysResendsAndBadMessagesFromAPlainProducerEndUpAsExactCountsAndDeadLetters()
    {
        var tracks = await silo.CatalogTracksAsync(3);
        var run = Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var expected = new Dictionary<string, int> { [tracks[0]] = 9, [tracks[1]] = 5, [tracks[2]] = 2 };
        var plays = expected
            .SelectMany(e => Enumerable.Repeat(e.Key, e.Value))
            .Select((track, n) => new ListeningEvent
            {
                EventId = $"{run}-{n}", UserId = $"kafka-{run}-{n % 4}", TrackId = track, Ts = now.AddMinutes(-20 + n), MsPlayed = 120_000,
            })
            .ToList();
        var resent = plays.Where((_, n) => n % 3 == 0).ToList();
        string Json(string body) => $$"""{"eventId":"{{run}}-bad","userId":"kafka-{{run}}-bad",{{body}}}""";
        var bad = new Dictionary<RejectReason, string>
        {
            [RejectReason.NotJson] = $"{run} is not json",
            [RejectReason.MissingField] = Json($"\"trackId\":\"{tracks[0]}\",\"ts\":\"{now:O}\""),
            [RejectReason.InvalidField] = Json($"\"trackId\":\"{tracks[0]}\",\"ts\":\"{now:O}\",\"msPlayed\":\"long\""),
            [RejectReason.NegativeMsPlayed] = Json($"\"trackId\":\"{tracks[0]}\",\"ts\":\"{now:O}\",\"msPlayed\":-5"),
            [RejectReason.FutureTimestamp] = Json($"\"trackId\":\"{tracks[0]}\",\"ts\":\"{now.AddDays(3):O}\",\"msPlayed\":5"),
            [RejectReason.UnknownTrack] = Json($"\"trackId\":\"no-such-track\",\"ts\":\"{now:O}\",\"msPlayed\":5"),
            [RejectReason.TooLarge] = Json($"\"trackId\":\"{tracks[0]}\",\"ts\":\"{now:O}\",\"msPlayed\":5,\"platform\":\"{new string('x', 70_000)}\""),
        };

        var tracksBefore = await Task.WhenAll(tracks.Select(t => _http.GetFromJsonAsync<TrackDto>($"/api/tracks/{t}")));
        var before = await _http.GetFromJsonAsync<StatsDto>("/api/stats");

        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = silo.KafkaBootstrapServers, EnableIdempotence = true, Partitioner = Partitioner.Murmur2Random,
        }).Build())
        {
            foreach (var e in plays.Concat(resent))
            {
                await producer.ProduceAsync(Constants.DefaultTopic, new Message<string, byte[]> { Key = e.UserId, Value = EventJson.Serialize(e) });
            }

            foreach (var value in bad.Values)
            {
                await producer.ProduceAsync(Constants.DefaultTopic, new Message<string, byte[]> { Key = $"kafka-{run}-bad", Value = Encoding.UTF8.GetBytes(value) });
            }
        }

        var total = plays.Count + resent.Count;
        await Eventually.TrueAsync(async () =>
        {
            var stats = await _http.GetFromJsonAsync<StatsDto>("/api/stats");
            return stats!.EventsProcessed - before!.EventsProcessed >= total && stats.EventsRejected - before.EventsRejected >= bad.Count;
        }, $"{total} more events processed and {bad.Count} rejected");

        var after = await _http.GetFromJsonAsync<StatsDto>("/api/stats");
        Assert.Equal(total, after!.EventsProcessed - before!.EventsProcessed);
        Assert.Equal(resent.Count, after.DuplicatesDropped - before.DuplicatesDropped);
        Assert.Equal(bad.Count, after.EventsRejected - before.EventsRejected);
        for (var i = 0; i < tracks.Length; i++)
        {
            var track = await _http.GetFromJsonAsync<TrackDto>($"/api/tracks/{tracks[i]}");
            Assert.Equal(expected[tracks[i]], track!.Plays - tracksBefore[i]!.Plays);
        }

        var deadLetters = ReadDeadLetters(run, bad.Count);
        Assert.Equal(bad.Keys.Order(), deadLetters.Select(d => d.Reason).Order());
        Assert.All(deadLetters, d => Assert.Equal(bad[d.Reason], d.Value));
    }

    private List<(RejectReason Reason, string Value)> ReadDeadLetters(string run, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = silo.KafkaBootstrapServers, GroupId = $"dlq-{run}", AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = silo.KafkaBootstrapServers }).Build();
        var partitions = admin.GetMetadata(Constants.DefaultDeadLetterTopic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(Constants.DefaultDeadLetterTopic, p.PartitionId, Offset.Beginning)));

        var found = new List<(RejectReason, string)>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (found.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } m } && m.Key == $"kafka-{run}-bad")
            {
                var reason = Encoding.UTF8.GetString(m.Headers.GetLastBytes(DeadLetterHeaders.Reason));
                found.Add((Enum.Parse<RejectReason>(reason[..reason.IndexOf(':')]), m.Value));
            }
        }

        return found;
    }
}
