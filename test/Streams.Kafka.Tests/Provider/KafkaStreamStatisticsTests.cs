using Encore.Streams.Kafka.Statistics;

namespace Encore.Streams.Kafka.Tests.Provider;

public sealed class KafkaStreamStatisticsTests
{
    [Theory]
    [InlineData("NotJson: value is not a JSON event object", "NotJson")]
    [InlineData("UnknownTrack: trackId 'x' is not in the catalog", "UnknownTrack")]
    [InlineData("decoding failed 3 times: InvalidOperationException: cannot decode", KafkaStreamStatistics.OtherReason)]
    [InlineData("'' is not key|seq", KafkaStreamStatistics.OtherReason)]
    [InlineData(": no word", KafkaStreamStatistics.OtherReason)]
    [InlineData("rejected", KafkaStreamStatistics.OtherReason)]
    public void AReasonIsCountedUnderTheWordBeforeItsColon(string reason, string kind) =>
        Assert.Equal(kind, KafkaStreamStatistics.ReasonKind(reason));

    [Fact]
    public void RejectionsAreCountedInTotalAndByKind()
    {
        var statistics = new KafkaStreamStatistics();
        statistics.CountRejected(["NotJson: a", "NotJson: b", "TooLarge: c", "something else"]);
        statistics.CountRejected([]);

        Assert.Equal(4, statistics.Rejected);
        Assert.Equal(4, statistics.Snapshot().Rejected);
        Assert.Equal(
            new Dictionary<string, long> { ["NotJson"] = 2, ["TooLarge"] = 1, [KafkaStreamStatistics.OtherReason] = 1 },
            statistics.RejectedByKind());
    }
}
