using Encore.Events;
using Encore.Stats;
using Microsoft.Extensions.Time.Testing;

namespace Encore.Grains.Tests.Stats;

public sealed class PipelineStatsTests
{
    [Fact]
    public void RejectionsAreCountedByReasonAndAddUpToTheTotal()
    {
        var stats = new PipelineStats(new FakeTimeProvider());
        stats.RecordRejected(nameof(RejectReason.NotJson), 2);
        stats.RecordRejected(nameof(RejectReason.UnknownTrack), 1);
        stats.RecordRejected(nameof(RejectReason.NotJson), 3);
        stats.RecordRejected(1);

        var byReason = stats.RejectedByReason().ToDictionary(r => r.Reason, r => r.Count);
        Assert.Equal(5, byReason["NotJson"]);
        Assert.Equal(1, byReason["UnknownTrack"]);
        Assert.Equal(1, byReason[PipelineStats.ApplyFailedReason]);
        Assert.Equal(7, stats.Snapshot().EventsRejected);
        Assert.Equal(stats.Snapshot().EventsRejected, byReason.Values.Sum());

        // Every known reason has a count from the start, so each has a series before its first rejection.
        Assert.Equal(Enum.GetNames<RejectReason>().Append(PipelineStats.OtherReason).Append(PipelineStats.ApplyFailedReason).Order(), byReason.Keys.Order());
        Assert.Equal(0, byReason[nameof(RejectReason.TooLarge)]);
    }
}
