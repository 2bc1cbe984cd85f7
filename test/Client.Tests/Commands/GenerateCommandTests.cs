using System.CommandLine;
using Encore.Client.Commands;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console;

namespace Encore.Client.Tests.Commands;

public sealed class GenerateCommandTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("60s", 60_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("00:01:30", 90_000)]
    public void DurationsParseWithTheirUnit(string text, int milliseconds)
    {
        Assert.True(GenerateCommand.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("60")]
    [InlineData("2x")]
    [InlineData("0s")]
    [InlineData("-5s")]
    public void DurationsWithoutAUnitOrNotPositiveAreRejected(string text) =>
        Assert.False(GenerateCommand.TryParseDuration(text, out _));

    [Fact]
    public void EventsAndDurationExcludeEachOther()
    {
        var result = Root().Parse(["generate", "--bootstrap", "b", "--events", "5", "--duration", "2s"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("exclude each other", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--users", "0")]
    [InlineData("--rate", "-1")]
    [InlineData("--events", "0")]
    [InlineData("--duration", "soon")]
    [InlineData("--kafka-property", "novalue")]
    public void OutOfRangeOptionsAreRejected(string option, string value)
    {
        var result = Root().Parse(["generate", "--bootstrap", "b", option, value]);

        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public void TheBootstrapServersAreRequired() =>
        Assert.NotEmpty(Root().Parse(["generate", "--events", "5"]).Errors);

    [Fact]
    public void TheDefaultStartIsMidnightUtcAWeekAgo()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 45, 0, TimeSpan.FromHours(1)));

        Assert.Equal(new DateTimeOffset(2026, 11, 18, 0, 0, 0, TimeSpan.Zero), GenerateCommand.DefaultStart(clock));
    }

    [Fact]
    public async Task EveryEventIsDeliveredToAKafkaCluster()
    {
        // librdkafka's in-process mock cluster stands in for Kafka: test.mock.num.brokers makes the
        // producer create one, and the topic is created on first use.
        var (console, output) = TestConsoles.Create();

        var exitCode = await Root(console)
            .Parse(["generate", "--bootstrap", "mock", "--events", "3000", "--users", "50", "-X", "test.mock.num.brokers=1"])
            .InvokeAsync();

        var text = output.ToString();
        Assert.True(exitCode == 0, text);
        Assert.Matches(@"events delivered\s*│\s*3,000", text);
        Assert.Matches(@"delivery failures\s*│\s*0", text);
        Assert.Matches(@"users\s*│\s*50 of 50", text);
    }

    private static RootCommand Root(IAnsiConsole? console = null) => new() { GenerateCommand.Create(console) };
}
