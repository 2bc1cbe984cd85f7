using Encore.Features;
using Encore.Grains.Tests.Cluster;
using Encore.Pipeline;
using Encore.Similarity;
using Encore.Users;

namespace Encore.Grains.Tests.Pipeline;

/// <summary>The numbers a partition batch's hits carry to the co-occurrence buckets.</summary>
public sealed class BatchDeltasTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Each partner names one item and numbers another, so the hit shows which was read: the number
    /// only from a user bucket of this process's numbering, the name's own number otherwise.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AHitCarriesThePartnersNumberOnlyFromAResultOfThisProcess(bool numbered)
    {
        var tracks = Plays.Tracks(2, skip: 10);
        var elsewhere = ItemIds.Of("batch-deltas-numbered-elsewhere");
        var play = new CountedPlay(5, tracks[0], Now, 200_000, Skip: false, SessionPrior: [],
            new HistoryContext(NewTrack: true, [new Partner(tracks[1], 16, elsewhere)], NewArtists: [], ArtistPartners: []));
        var deltas = new BatchDeltas(Plays.Catalog);

        deltas.Add("batch-deltas-user", play, numbered);

        var hit = SingleHitOf(deltas, tracks[0], lastOffset: 5);
        Assert.Equal(tracks[1], hit.Other);
        Assert.Equal(numbered ? elsewhere : ItemIds.Of(tracks[1]), hit.OtherId);
    }

    /// <summary>
    /// The play numbers its track and artist as somewhere else would, so the deltas show which was read:
    /// the play's numbers only from a user bucket of this process's numbering, the catalog's otherwise.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APlayCarriesItsTrackAndArtistNumbersOnlyFromAResultOfThisProcess(bool numbered)
    {
        var tracks = Plays.Tracks(2, skip: 20);
        var trackElsewhere = ItemIds.Of("batch-deltas-track-elsewhere");
        var artistElsewhere = ItemIds.Of("batch-deltas-artist-elsewhere");
        var play = new CountedPlay(7, tracks[0], Now, 200_000, Skip: false, SessionPrior: [],
            new HistoryContext(NewTrack: true, [new Partner(tracks[1], 16, ItemIds.Of(tracks[1]))], NewArtists: [], ArtistPartners: []),
            trackElsewhere, artistElsewhere);
        var deltas = new BatchDeltas(Plays.Catalog);

        deltas.Add("batch-deltas-user", play, numbered);

        // The partner's hit names the play's track and numbers it as the play was read.
        var hit = SingleHitOf(deltas, tracks[1], lastOffset: 7);
        Assert.Equal(tracks[0], hit.Other);
        Assert.Equal(numbered ? trackElsewhere : ItemIds.Of(tracks[0]), hit.OtherId);
        var artistPlay = Assert.Single(deltas.PlayCounts[ItemKinds.ArtistPlays]);
        Assert.Equal(numbered ? "batch-deltas-artist-elsewhere" : Plays.Catalog.PrimaryArtistOf(tracks[0]), artistPlay.Item);
        Assert.Equal(7, artistPlay.Offset);
    }

    /// <summary>The one hit the batch gives <paramref name="track"/>, from the delta of its bucket.</summary>
    private static CoOccurrenceHit SingleHitOf(BatchDeltas deltas, string track, long lastOffset)
    {
        var delta = deltas.Buckets[CoOccurrenceBuckets.KeyOf(ItemKinds.Track, track)].Build(0, lastOffset);
        return Assert.Single(delta.Hits.Of(Array.IndexOf(delta.Items, track)).ToArray());
    }
}
