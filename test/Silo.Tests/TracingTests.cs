using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Encore.Users;
using Xunit.Abstractions;

namespace Encore.Silo.Tests;

/// <summary>
/// The spans an OTLP exporter would send, caught in this process by a listener on the same sources
/// the silo exports (Silo/Hosting/TelemetryHosting.cs): one trace from the HTTP request to the grains
/// a recommendation asks, and one from a Kafka read through its batch to the grains it feeds.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class TracingTests(SiloFixture silo, ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Sources = ["Encore", "Encore.Streams.Kafka", "Microsoft.Orleans.Application", "Microsoft.AspNetCore"];

    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => Sources.Contains(source.Name),
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private void Listen()
    {
        _listener.ActivityStopped = _spans.Enqueue;
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task ARecommendationRequestIsOneTraceFromTheApiToTheGrains()
    {
        Listen();
        // The request carries its own trace id, as a traced client would.
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/users/traced-listener/recommendations?count=5");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.SendAsync(request)).StatusCode);

        await Eventually.TrueAsync(() => Task.FromResult(Trace(traceId).Any(s => s.OperationName == "encore.recommend")), "the recommendation span");
        var trace = Trace(traceId);
        Print(trace);
        var http = Assert.Single(trace, s => s.Source.Name == "Microsoft.AspNetCore");
        var recommend = Assert.Single(trace, s => s.OperationName == "encore.recommend");
        Assert.Equal(http.SpanId, recommend.ParentSpanId);
        Assert.Equal(5, recommend.GetTagItem("encore.count"));

        // Orleans' spans: the call to the recommendation grain under encore.recommend, and the calls it made in turn.
        var call = Assert.Single(trace, s => s.Kind == ActivityKind.Client && s.ParentSpanId == recommend.SpanId);
        Assert.Contains("IRecommendationGrain", call.DisplayName, StringComparison.Ordinal);
        var served = Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == call.SpanId);
        Assert.Contains(trace, s => s.Kind == ActivityKind.Client && s.ParentSpanId == served.SpanId && s.DisplayName.Contains("IUserBucketGrain", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABatchContinuesTheTraceOfTheKafkaReadThatBroughtIt()
    {
        Listen();
        var track = (await silo.CatalogTracksAsync(1))[0];
        var user = $"traced-{Guid.NewGuid():N}"[..14];
        var play = new { eventId = Guid.NewGuid().ToString("N"), userId = user, trackId = track, ts = DateTimeOffset.UtcNow, msPlayed = 200_000 };
        Assert.Equal(HttpStatusCode.Accepted, (await silo.Http.PostAsJsonAsync("/api/events", new[] { play })).StatusCode);

        // The batch that fed this listener's bucket: its trace holds the server span of that call.
        var bucket = $"userbucket/{UserBuckets.KeyOf(user)}";
        Activity? batch = null;
        await Eventually.TrueAsync(() =>
        {
            batch = _spans.Where(s => s.OperationName == "encore.batch").FirstOrDefault(b => Trace(b.TraceId).Any(s =>
                s.Kind == ActivityKind.Server && s.GetTagItem("orleans.rpc.target_id") is string target && target == bucket));
            return Task.FromResult(batch is not null);
        }, $"a batch span whose trace reaches {bucket}");

        var trace = Trace(batch!.TraceId);
        Print(trace);
        var read = Assert.Single(trace, s => s.Source.Name == "Encore.Streams.Kafka");
        Assert.Equal("receive music.plays", read.DisplayName);
        Assert.Equal(ActivityKind.Consumer, read.Kind);
        Assert.Equal(read.SpanId, batch.ParentSpanId);
        Assert.True((int)read.GetTagItem("messaging.batch.message_count")! >= 1);

        // The batch's calls to the feature grains are its children.
        var served = trace.First(s => s.Kind == ActivityKind.Server && s.GetTagItem("orleans.rpc.target_id") is string target && target == bucket);
        var userCall = Assert.Single(trace, s => s.SpanId == served.ParentSpanId);
        Assert.Equal((ActivityKind.Client, batch.SpanId), (userCall.Kind, userCall.ParentSpanId));
        Assert.Contains("IUserBucketGrain", userCall.DisplayName, StringComparison.Ordinal);
        Assert.Contains(trace, s => s.Kind == ActivityKind.Client && s.ParentSpanId == batch.SpanId && s.DisplayName.Contains("ICoOccurrenceBucketGrain", StringComparison.Ordinal));
    }

    public void Dispose() => _listener.Dispose();

    private List<Activity> Trace(ActivityTraceId traceId) => [.. _spans.Where(s => s.TraceId == traceId)];

    private void Print(IEnumerable<Activity> trace)
    {
        foreach (var span in trace.OrderBy(s => s.StartTimeUtc))
        {
            output.WriteLine($"{span.Source.Name} {span.Kind} '{span.DisplayName}' {span.SpanId} <- {span.ParentSpanId}");
        }
    }
}
