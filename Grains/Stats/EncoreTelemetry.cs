using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Encore.Ranking;
using Encore.Recommendations;
using Encore.Similarity;

namespace Encore.Stats;

/// <summary>
/// Encore's own metrics and traces, all named <see cref="Name"/>: the one <see cref="Meter"/> and the
/// one <see cref="ActivitySource"/> of the application. The event counters and partition lags are
/// observed from <see cref="IPipelineStats"/>, the same numbers <c>/api/stats</c> sums over the
/// cluster, so the two cannot disagree; the durations are recorded here, by the scopes
/// <see cref="StartBatch"/> and <see cref="StartRecommendation"/> hand out.
/// </summary>
/// <remarks>
/// One per silo (its meter comes from the silo's <see cref="IMeterFactory"/>, so silos sharing a test
/// process keep their own instruments). Create it when the silo starts: observable instruments exist
/// only once it does.
/// </remarks>
public sealed class EncoreTelemetry : IDisposable
{
    public const string Name = "Encore";

    // Instrument names; Prometheus sees them with dots as underscores, counters with _total, seconds
    // with _seconds (encore_events_processed_total, encore_batch_duration_seconds_bucket, ...).
    public const string EventsProcessed = "encore.events.processed";
    public const string EventsRejected = "encore.events.rejected";
    public const string EventsDuplicate = "encore.events.duplicates";
    public const string EventsReplayed = "encore.events.replayed";
    public const string PartitionLag = "encore.partition.lag";
    public const string BatchDuration = "encore.batch.duration";
    public const string RecommendationDuration = "encore.recommendation.duration";
    public const string ModelActive = "encore.model.active";
    public const string SimilarityPartners = "encore.similarity.partners";
    public const string SimilarityListCapacity = "encore.similarity.list_capacity";

    /// <summary>Spans of a partition batch (parented on the Kafka read that brought it) and of a recommendation request.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>
    /// Seconds, from a quarter of a millisecond to 10 s: a batch or a recommendation takes under a
    /// millisecond on an idle silo and seconds on one that is overloaded.
    /// </summary>
    private static readonly double[] DurationBuckets = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<double> _recommendationDuration;
    private readonly TimeProvider _time;

    public EncoreTelemetry(IMeterFactory meters, IPipelineStats stats, ActiveRanker ranker, CoOccurrenceFigures similarity, TimeProvider time)
    {
        _time = time;
        RecentRecommendations = new RecentDurations(time);
        _meter = meters.Create(Name);
        _meter.CreateObservableCounter(EventsProcessed, () => stats.Snapshot().EventsProcessed, "{event}",
            "Events taken off the partition streams for the first time, resends included");
        _meter.CreateObservableCounter(EventsDuplicate, () => stats.Snapshot().DuplicatesDropped, "{event}",
            "Resends of an eventId already counted, dropped");
        _meter.CreateObservableCounter(EventsReplayed, () => stats.Snapshot().ReplaysSkipped, "{event}",
            "Redelivered events dropped by a grain's applied-offset watermark");
        _meter.CreateObservableCounter(EventsRejected, () => stats.RejectedByReason().Select(r => new Measurement<long>(r.Count, new KeyValuePair<string, object?>("reason", r.Reason))),
            "{event}", "Messages dead-lettered, by reason");
        _meter.CreateObservableGauge(PartitionLag, () => stats.Snapshot().Partitions.Select(p =>
                new Measurement<long>(p.Lag, new KeyValuePair<string, object?>("partition", p.Partition.ToString(CultureInfo.InvariantCulture)))),
            "{message}", "Messages of a partition this silo reads that are not yet committed");
        _meter.CreateObservableGauge(ModelActive, () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", ranker.Current?.Version ?? HeuristicRanker.ModelVersion)),
            null, "1 for the model version this silo scores recommendations with");
        _meter.CreateObservableGauge(SimilarityPartners, () => similarity.ByKind().Select(k => new Measurement<long>(k.Partners, Kind(k.Kind))),
            "{partner}", "Partners the co-occurrence lists of this silo's buckets hold, by kind (Similarity:MaxPartners bounds them)");
        _meter.CreateObservableGauge(SimilarityListCapacity, () => similarity.ByKind().Select(k => new Measurement<int>(k.Capacity, Kind(k.Kind))),
            "{partner}", "Partners each co-occurrence list may keep, the smallest over this silo's buckets, by kind: lower than the kind's own once a bucket reached its share of Similarity:MaxPartners");
        _batchDuration = _meter.CreateHistogram(BatchDuration, "s", "Time to apply one partition batch to the grains it feeds",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _recommendationDuration = _meter.CreateHistogram(RecommendationDuration, "s", "Time to answer one recommendation request of the HTTP API",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    /// <summary>The recommendation durations of the last seconds, for the web page's chart.</summary>
    public RecentDurations RecentRecommendations { get; }

    /// <summary>
    /// Times one partition batch and traces it. The span's parent is the Kafka read that brought the
    /// batch: the stream provider puts the read's trace context into the batch's request context,
    /// which Orleans hands to the consumer's call (when no Orleans runtime span sits in between).
    /// </summary>
    public Scope StartBatch(int partition, int events)
    {
        var activity = Source.StartActivity("encore.batch", ActivityKind.Consumer, Activity.Current is null ? ReadContext() : default);
        activity?.SetTag("encore.partition", partition);
        activity?.SetTag("messaging.batch.message_count", events);
        return new Scope(_batchDuration, null, activity, _time.GetTimestamp(), _time);
    }

    /// <summary>Times one recommendation request and traces it; its grain calls become the span's children.</summary>
    public Scope StartRecommendation(int count)
    {
        var activity = Source.StartActivity("encore.recommend");
        activity?.SetTag("encore.count", count);
        return new Scope(_recommendationDuration, RecentRecommendations, activity, _time.GetTimestamp(), _time);
    }

    public void Dispose() => _meter.Dispose();

    private static KeyValuePair<string, object?> Kind(string kind) => new("kind", kind);

    /// <summary>The trace context Orleans' request context carries, if any.</summary>
    private static ActivityContext ReadContext()
    {
        DistributedContextPropagator.Current.ExtractTraceIdAndState(null, static (_, field, out value, out values) =>
        {
            values = null;
            value = RequestContext.Get(field) as string;
        }, out var traceParent, out var traceState);
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    /// <summary>Records the duration and ends the span when disposed.</summary>
    public readonly struct Scope(Histogram<double> histogram, RecentDurations? recent, Activity? activity, long started, TimeProvider time) : IDisposable
    {
        public void Dispose()
        {
            var elapsed = time.GetElapsedTime(started);
            histogram.Record(elapsed.TotalSeconds);
            recent?.Record(elapsed);
            activity?.Dispose();
        }
    }
}
