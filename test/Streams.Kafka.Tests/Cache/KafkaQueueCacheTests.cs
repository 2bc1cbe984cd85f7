using System.Runtime.CompilerServices;
using Encore.Streams.Kafka.Providers;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Tests.Cache;

/// <summary>The offset-keyed cache the pulling agent reads a partition through.</summary>
public sealed class KafkaQueueCacheTests
{
    private static readonly StreamId A = StreamId.Create("ns", "a");
    private static readonly StreamId B = StreamId.Create("ns", "b");

    private readonly ManualClock _clock = new();

    private KafkaQueueCache NewCache(int capacity = 100, TimeSpan? maxAge = null)
    {
        var cache = new KafkaQueueCache(capacity, deliveryBatchSize: 1, new StreamCacheEvictionOptions
        {
            DataMinTimeInCache = TimeSpan.Zero,
            DataMaxAgeInCache = maxAge ?? TimeSpan.FromMinutes(30),
        }, _clock);
        cache.Start(100);
        return cache;
    }

    private static IBatchContainer Message(StreamId stream, long offset) => new KafkaBatchContainer(stream, [offset], offset);

    private static void Add(KafkaQueueCache cache, params (StreamId Stream, long Offset)[] messages) =>
        cache.AddToCache([.. messages.Select(m => Message(m.Stream, m.Offset))]);

    private static IQueueCacheCursor CursorAt(KafkaQueueCache cache, StreamId stream, StreamSequenceToken? token)
    {
        var result = cache.TryGetCacheCursor(stream, token);
        Assert.Equal(QueueCacheCursorResultKind.Success, result.Kind);
        return result.Cursor!;
    }

    private static bool Moved(IQueueCacheCursor cursor) => cursor.MoveNextWithResult().Kind == QueueCacheCursorMoveResultKind.Success;

    private static List<long> Drain(IQueueCacheCursor cursor)
    {
        var offsets = new List<long>();
        while (Moved(cursor))
        {
            offsets.Add(cursor.GetCurrent(out _)!.SequenceToken.SequenceNumber);
        }

        return offsets;
    }

    [Fact]
    public void ACursorGetsItsOwnStreamInOffsetOrderWithTheOffsetsAsTokens()
    {
        var cache = NewCache();
        Add(cache, (A, 100), (B, 101), (A, 103), (B, 104), (A, 107));
        using var cursor = CursorAt(cache, A, new EventSequenceTokenV2(100));

        Assert.Equal([100, 103, 107], Drain(cursor));
        Add(cache, (B, 108), (A, 109));
        Assert.Equal([109], Drain(cursor));
    }

    [Fact]
    public void ATokenOlderThanTheCacheAsksForARereadInsteadOfMissing()
    {
        var cache = NewCache();
        Add(cache, (A, 100), (A, 101));
        using var cursor = CursorAt(cache, A, new EventSequenceTokenV2(40));

        Assert.False(Moved(cursor));
        Assert.Equal(40, cache.TakeRewind());
        Assert.Equal(0, cache.Count);

        // The receiver reads again from 40: the same messages, the same tokens.
        Add(cache, (A, 40), (B, 41), (A, 100), (A, 101));
        Assert.Equal([40, 100, 101], Drain(cursor));
        Assert.Null(cache.TakeRewind());
    }

    [Fact]
    public void WhatArrivesBeforeTheReceiverTookARewindIsDropped()
    {
        var cache = NewCache();
        using var cursor = CursorAt(cache, A, new EventSequenceTokenV2(50));
        Assert.False(Moved(cursor));

        Add(cache, (A, 100), (A, 101));
        Assert.Equal(0, cache.Count);
        Assert.Equal(50, cache.TakeRewind());
        Add(cache, (A, 50), (A, 100));
        Assert.Equal([50, 100], Drain(cursor));
    }

    [Fact]
    public void RewindAllMovesEveryCursorBackAndReadsAgainFromTheLowest()
    {
        var cache = NewCache();
        Add(cache, (A, 100), (B, 101), (A, 102), (B, 103));
        using var a = CursorAt(cache, A, new EventSequenceTokenV2(100));
        using var b = CursorAt(cache, B, new EventSequenceTokenV2(100));
        Assert.Equal([100, 102], Drain(a));
        Assert.Equal([101, 103], Drain(b));

        cache.RewindAll(101);
        Assert.Equal(101, cache.TakeRewind());
        Add(cache, (B, 101), (A, 102), (B, 103), (A, 104));
        Assert.Equal([102, 104], Drain(a));
        Assert.Equal([101, 103], Drain(b));
    }

    [Fact]
    public void PurgesOnlyWhatEveryCursorHasHadDeliveredAndReportsIt()
    {
        var cache = NewCache();
        Add(cache, (A, 100), (B, 101), (A, 102), (B, 103));
        using var a = CursorAt(cache, A, new EventSequenceTokenV2(100));
        using var b = CursorAt(cache, B, new EventSequenceTokenV2(100));
        Assert.Equal([100, 102], Drain(a));
        Assert.True(Moved(b));

        // 101 is b's delivery under way (the agent moves the cursor again once it is over).
        Assert.True(cache.TryPurgeFromCache(out var purged));
        Assert.Equal([100], purged.Select(p => p.SequenceToken.SequenceNumber));
        Assert.Equal(101, cache.CoveredFrom);

        Assert.True(Moved(b));
        Assert.False(Moved(b));
        Assert.True(cache.TryPurgeFromCache(out purged));
        Assert.Equal([101, 102, 103], purged.Select(p => p.SequenceToken.SequenceNumber));
        Assert.Equal(0, cache.Count);
        Assert.False(cache.TryPurgeFromCache(out _));
    }

    [Fact]
    public void APurgedMessageIsNoLongerHeldByTheCache()
    {
        var cache = NewCache();
        using var cursor = CursorAt(cache, A, new EventSequenceTokenV2(100));
        var purged = AddDeliverAndPurge(cache, cursor);

        // The agent has let go of what was purged; the cache, which still holds 101, must not hold 100.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(purged.TryGetTarget(out _));
        Assert.Equal(1, cache.Count);
    }

    /// <summary>Adds 100 and 101, delivers 100 and purges it; a weak reference to 100, made where no local outlives the call.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<IBatchContainer> AddDeliverAndPurge(KafkaQueueCache cache, IQueueCacheCursor cursor)
    {
        var message = Message(A, 100);
        cache.AddToCache([message, Message(A, 101)]);
        Assert.True(Moved(cursor));
        Assert.True(Moved(cursor));
        Assert.True(cache.TryPurgeFromCache(out var purged));
        Assert.Equal([100], purged.Select(p => p.SequenceToken.SequenceNumber));
        return new WeakReference<IBatchContainer>(message);
    }

    [Fact]
    public void DataOlderThanTheMaximumAgeIsEvictedAndASlowCursorRereadsIt()
    {
        var cache = NewCache(maxAge: TimeSpan.FromSeconds(5));
        Add(cache, (A, 100), (A, 101));
        using var cursor = CursorAt(cache, A, new EventSequenceTokenV2(100));
        _clock.Advance(TimeSpan.FromSeconds(6));

        // Evicted although the cursor never read them, so not reported as delivered.
        Assert.False(cache.TryPurgeFromCache(out _));
        Assert.Equal(0, cache.Count);
        Assert.False(Moved(cursor));
        Assert.Equal(100, cache.TakeRewind());
        Add(cache, (A, 100), (A, 101));
        Assert.Equal([100, 101], Drain(cursor));
    }

    [Fact]
    public void IsUnderPressureWhenFullAndNeverTakesMoreThanItsRoom()
    {
        var cache = NewCache(capacity: 3);
        using var cursor = CursorAt(cache, A, new EventSequenceTokenV2(100));
        Add(cache, (A, 100), (A, 101));
        Assert.False(cache.IsUnderPressure());
        Assert.Equal(1, cache.GetMaxAddCount());
        Add(cache, (A, 102));
        Assert.True(cache.IsUnderPressure());

        Assert.True(Moved(cursor));
        Assert.True(Moved(cursor));
        Assert.True(cache.TryPurgeFromCache(out _));
        Assert.False(cache.IsUnderPressure());
    }

    [Fact]
    public void WithoutATokenACursorStartsAtTheNewestMessage()
    {
        var cache = NewCache();
        Add(cache, (A, 100), (A, 101));
        using var cursor = CursorAt(cache, A, null);
        Assert.Equal([101], Drain(cursor));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
