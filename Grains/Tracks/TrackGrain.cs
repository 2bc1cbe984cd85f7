using Encore.Similarity;
using Orleans.Concurrency;

namespace Encore.Tracks;

/// <remarks>Holds nothing: the statistics are in the track's bucket, which answers for it.</remarks>
[StatelessWorker]
internal sealed class TrackGrain : Grain, ITrackGrain
{
    /// <summary>Neighbours and co-listens listed in a view.</summary>
    private const int Listed = 10;

    public Task<TrackView?> GetAsync()
    {
        var trackId = this.GetPrimaryKeyString();
        return GrainFactory.BucketOf(ItemKinds.Track, trackId).GetTrackAsync(trackId, Listed);
    }
}
