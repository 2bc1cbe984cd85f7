using System.CommandLine;
using System.Text.Json;
using Confluent.Kafka;
using Encore.Client.Commands;
using Encore.Client.Tests.Listening;
using Encore.Streams.Kafka.DevCluster;
using Spectre.Console;

namespace Encore.Client.Tests.Commands;

public sealed class ReplayCommandTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("--file", "x")]
    [InlineData("--bootstrap", "b")]
    public void TheBootstrapServersAndTheFileAreRequired(string option, string value) =>
        Assert.NotEmpty(Root().Parse(["replay", option, value]).Errors);

    [Theory]
    [InlineData("--format", "csv")]
    [InlineData("--rate", "-1")]
    [InlineData("--kafka-property", "novalue")]
    public void OutOfRangeOptionsAreRejected(string option, string value) =>
        Assert.NotEmpty(Root().Parse(["replay", "--bootstrap", "b", "--file", "x", option, value]).Errors);

    [Theory]
    [InlineData("mpd")]
    [InlineData("Spotify")]
    [InlineData("JSONL")]
    public void FormatsAreNamedInAnyCase(string format) =>
        Assert.Empty(Root().Parse(["replay", "--bootstrap", "b", "--file", "x", "--format", format]).Errors);

    [Fact]
    public async Task AMissingFileIsReportedBeforeKafkaIsAsked()
    {
        var (console, output) = TestConsoles.Create();

        var exitCode = await Root(console).Parse(["replay", "--bootstrap", "127.0.0.1:1", "--file", "/nonexistent/plays.jsonl"]).InvokeAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains("/nonexistent/plays.jsonl is neither a file nor a directory.", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASliceReplayedTwiceIntoKafkaIsTheSameEventsTwice()
    {
        using var scratch = new ScratchDirectory();
        var catalog = scratch.Write("tracks.csv", TestData.CatalogCsv());
        var slice = scratch.Write("mpd/mpd.slice.0-999.json", MpdReaderTests.FirstSlice);
        using var cluster = DevKafkaCluster.Start(brokers: 1);
        cluster.CreateTopic("plays", partitions: 3);
        string[] args = ["replay", "--bootstrap", cluster.BootstrapServers, "--topic", "plays", "--format", "mpd", "--file", slice, "--catalog", catalog];
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "replay-test",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe("plays");

        var (console, output) = TestConsoles.Create();
        var firstExit = await Root(console).Parse(args).InvokeAsync();
        var first = Consume(consumer, 6);
        var secondExit = await Root(console).Parse(args).InvokeAsync();
        var second = Consume(consumer, 6);

        var text = output.ToString();
        Assert.True(firstExit == 0 && secondExit == 0, text);
        Assert.Matches(@"events delivered\s*│\s*6\s", text);
        Assert.Matches(@"listeners\s*│\s*2\s", text);
        Assert.Matches(@"by track id\s*│\s*3\s", text);
        Assert.Matches(@"by artist \+ name\s*│\s*1\s", text);
        Assert.Matches(@"by artist only\s*│\s*2\s", text);
        Assert.Matches(@"unmatched\s*│\s*1\s", text);
        // Keyed by the listener, and the second replay is the same six events: a resend.
        Assert.All(first, message => Assert.Equal(message.Key, message.UserId));
        Assert.Equal(["mpd-7", "mpd-7", "mpd-7", "mpd-7", "mpd-7", "mpd-8"], first.Select(m => m.Key).Order());
        Assert.Equal(6, first.Select(m => m.EventId).Distinct().Count());
        Assert.Equal(first.Select(m => m.EventId).Order(), second.Select(m => m.EventId).Order());
    }

    /// <summary>Reads exactly <paramref name="count"/> messages (key, value's userId and eventId), failing at the deadline.</summary>
    private static List<(string Key, string UserId, string EventId)> Consume(IConsumer<string, string> consumer, int count)
    {
        var received = new List<(string, string, string)>();
        var deadline = DateTime.UtcNow + Deadline;
        while (received.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {received.Count} of {count} messages arrived");
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message })
            {
                using var json = JsonDocument.Parse(message.Value);
                received.Add((message.Key, json.RootElement.GetProperty("userId").GetString()!, json.RootElement.GetProperty("eventId").GetString()!));
            }
        }

        return received;
    }

    private static RootCommand Root(IAnsiConsole? console = null) => new() { ReplayCommand.Create(console) };
}
