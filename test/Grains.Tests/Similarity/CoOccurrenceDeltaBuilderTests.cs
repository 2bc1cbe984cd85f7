using Encore.Similarity;
using Encore.Tracks;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Encore.Grains.Tests.Similarity;

public sealed class CoOccurrenceDeltaBuilderTests
{
    [Fact]
    public void GroupsEntriesByItemInArrivalOrder()
    {
        var builder = new CoOccurrenceDeltaBuilder();
        var a = builder.AddItem("a");
        var b = builder.AddItem("b");
        var c = builder.AddItem("c");
        builder.AddHit(b, new CoOccurrenceHit(11, "x", 1));
        builder.AddHit(a, new CoOccurrenceHit(12, "y", 2));
        builder.AddOccurrence(b, 13);
        builder.AddHit(b, new CoOccurrenceHit(14, "z", 3));
        builder.AddHit(a, new CoOccurrenceHit(15, "w", 4));
        builder.AddPlay(c, new TrackPlay(10, 7, DateTimeOffset.UnixEpoch, 1_000, Skip: false));

        var delta = builder.Build(partition: 3, lastOffset: 20);

        Assert.Equal(["a", "b", "c"], delta.Items);
        Assert.Equal((3, 20L), (delta.Partition, delta.LastOffset));
        Assert.Equal([12L, 15], Offsets(delta.Hits.Of(a)));
        Assert.Equal([11L, 14], Offsets(delta.Hits.Of(b)));
        Assert.Equal(["x", "z"], delta.Hits.Of(b).ToArray().Select(h => h.Other));
        Assert.Empty(delta.Hits.Of(c).ToArray());
        Assert.Equal([13L], delta.Occurrences.Of(b).ToArray());
        Assert.Empty(delta.Occurrences.Of(a).ToArray());
        Assert.Equal(10L, Assert.Single(delta.Plays.Of(c).ToArray()).Offset);
        Assert.Empty(delta.CoListens.Of(a).ToArray());
        Assert.Equal(10L, builder.FirstOffset);
    }

    [Fact]
    public void AClearedBuilderStartsAgainFromNothing()
    {
        var builder = new CoOccurrenceDeltaBuilder();
        Assert.True(builder.IsEmpty);
        Assert.Equal(long.MaxValue, builder.FirstOffset);
        var a = builder.AddItem("a");
        builder.AddHit(a, new CoOccurrenceHit(5, "x", 1));
        builder.AddOccurrence(a, 6);

        builder.Clear();
        Assert.True(builder.IsEmpty);
        Assert.Equal(long.MaxValue, builder.FirstOffset);
        var b = builder.AddItem("b");
        builder.AddHit(b, new CoOccurrenceHit(9, "y", 2));
        var delta = builder.Build(partition: 0, lastOffset: 9);

        Assert.Equal(0, b);
        Assert.Equal(["b"], delta.Items);
        Assert.Equal([new CoOccurrenceHit(9, "y", 2)], delta.Hits.Of(b).ToArray());
        Assert.Empty(delta.Occurrences.Of(b).ToArray());
        Assert.Equal(9L, builder.FirstOffset);
    }

    [Fact]
    public void ADeltaSurvivesSerialization()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var builder = new CoOccurrenceDeltaBuilder();
        var a = builder.AddItem("a");
        var b = builder.AddItem("b");
        builder.AddHit(b, new CoOccurrenceHit(1, "x", 16));
        builder.AddCoListen(a, new CoListenHit(2, "y", DateTimeOffset.UnixEpoch));
        builder.AddHit(a, new CoOccurrenceHit(3, "z", 8));

        var copy = serializer.Deserialize<CoOccurrenceDelta>(serializer.SerializeToArray(builder.Build(1, 3)))!;

        Assert.Equal(["a", "b"], copy.Items);
        Assert.Equal([new CoOccurrenceHit(3, "z", 8)], copy.Hits.Of(a).ToArray());
        Assert.Equal([new CoOccurrenceHit(1, "x", 16)], copy.Hits.Of(b).ToArray());
        Assert.Equal([new CoListenHit(2, "y", DateTimeOffset.UnixEpoch)], copy.CoListens.Of(a).ToArray());
        Assert.Empty(copy.Plays.Of(b).ToArray());
    }

    private static long[] Offsets(ReadOnlySpan<CoOccurrenceHit> hits)
    {
        var offsets = new long[hits.Length];
        for (var i = 0; i < hits.Length; i++)
        {
            offsets[i] = hits[i].Offset;
        }

        return offsets;
    }
}
