using System.Diagnostics.CodeAnalysis;
using Orleans.Configuration;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// The pulling agent's cache of one partition, keyed by Kafka offset. It always holds one contiguous
/// stretch of the partition, from <see cref="CoveredFrom"/> to the newest message read. A cursor that
/// needs anything older — a subscriber resuming from an old token, or every cursor after a consumer
/// asked for a replay — does not miss: the cache empties itself and asks the receiver to read the
/// partition again from that offset, so sequence tokens stay the offsets themselves on every read.
/// Called only from the pulling agent's turns, like the receiver's agent side.
/// </summary>
/// <remarks>
/// The agent moves a cursor made for a consumer's resume token past that token's own message; when the
/// token had to be read again, the cursor has nothing yet to move past, so that message is delivered
/// once more. Consumers already drop what they applied (at-least-once delivery).
/// </remarks>
internal sealed class KafkaQueueCache(int capacity, int deliveryBatchSize, StreamCacheEvictionOptions eviction, TimeProvider clock) : IQueueCache
{
    private readonly List<Entry> _entries = [];
    private readonly HashSet<Cursor> _cursors = [];
    private int _head;

    /// <summary>Offsets from here to the newest read are all in the cache (rejected messages aside).</summary>
    public long CoveredFrom { get; private set; } = -1;

    /// <summary>Where the receiver must read from again before anything else, or null.</summary>
    public long? PendingRewind { get; private set; }

    public int Count => _entries.Count - _head;

    /// <summary>The receiver starts reading at <paramref name="offset"/>.</summary>
    public void Start(long offset) => CoveredFrom = offset;

    /// <summary>
    /// Every cursor goes back to <paramref name="offset"/> (or stays where it is if already below), and
    /// the partition is read again from the lowest of them.
    /// </summary>
    public void RewindAll(long offset)
    {
        var from = offset;
        foreach (var cursor in _cursors)
        {
            cursor.RewindTo(offset);
            from = Math.Min(from, cursor.Position);
        }

        Rewind(from);
    }

    /// <summary>The receiver took the pending rewind and reads from there now.</summary>
    public long? TakeRewind()
    {
        var rewind = PendingRewind;
        PendingRewind = null;
        return rewind;
    }

    /// <summary>
    /// Empties the cache and marks it as covering nothing below <paramref name="offset"/> yet: the
    /// receiver re-reads from there, and every re-read message passes through the agent again, which
    /// wakes the cursors waiting for it.
    /// </summary>
    private void Rewind(long offset)
    {
        if (PendingRewind is { } pending && pending <= offset)
        {
            return;
        }

        _entries.Clear();
        _head = 0;
        CoveredFrom = offset;
        PendingRewind = offset;
    }

    public void AddToCache(IList<IBatchContainer> messages)
    {
        if (PendingRewind is not null)
        {
            // Read before the rewind the receiver has not taken yet: it comes again from the new position.
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var message in messages)
        {
            var offset = message.SequenceToken.SequenceNumber;
            // The receiver hands messages over in offset order; anything else would break the cursors' scans.
            if (offset < CoveredFrom || (Count > 0 && offset <= _entries[^1].Offset))
            {
                continue;
            }

            _entries.Add(new Entry(offset, message, now));
        }
    }

    /// <summary>
    /// Removes what every cursor has passed (once it is <see cref="StreamCacheEvictionOptions.DataMinTimeInCache"/>
    /// old) and anything older than <see cref="StreamCacheEvictionOptions.DataMaxAgeInCache"/>. Only what
    /// every cursor passed is reported as delivered; a cursor that still needed an evicted message reads
    /// it again from Kafka.
    /// </summary>
    public bool TryPurgeFromCache([MaybeNullWhen(false)] out IList<IBatchContainer> purgedItems)
    {
        purgedItems = null;
        var now = clock.GetUtcNow().UtcDateTime;
        var passed = _cursors.Count == 0 ? long.MaxValue : _cursors.Min(c => c.Floor);
        var first = _head;
        while (_head < _entries.Count)
        {
            var entry = _entries[_head];
            var age = now - entry.Added;
            var purge = (entry.Offset < passed && age >= eviction.DataMinTimeInCache) || age > eviction.DataMaxAgeInCache;
            if (!purge)
            {
                break;
            }

            if (entry.Offset < passed)
            {
                (purgedItems ??= []).Add(entry.Batch);
            }

            CoveredFrom = entry.Offset + 1;

            // Let go of the message now, not when the list is next compacted: up to a thousand purged
            // messages a partition stayed reachable, seconds of a slow partition's stream, and every
            // young collection in between copied them (docs/performance.md).
            _entries[_head++] = default;
        }

        if (_head > 1024 && _head * 2 > _entries.Count)
        {
            _entries.RemoveRange(0, _head);
            _head = 0;
        }

        return _head != first && purgedItems is not null;
    }

    /// <summary>Never a miss: a token older than the cache makes the partition be read again from it.</summary>
    public QueueCacheCursorResult<IQueueCacheCursor> TryGetCacheCursor(StreamId streamId, StreamSequenceToken? token) =>
        QueueCacheCursorResult<IQueueCacheCursor>.FromCursor(CursorAt(streamId,
            // No token: from the newest message, as Orleans' own caches do, or the next one to come.
            token?.SequenceNumber ?? (Count > 0 ? _entries[^1].Offset : Math.Max(CoveredFrom, 0))));

    /// <summary><see cref="StreamSubscriptionStartPosition.EarliestAvailable"/> is the oldest message the cache covers.</summary>
    public QueueCacheCursorResult<IQueueCacheCursor> TryGetCacheCursorAtPosition(StreamId streamId, StreamSubscriptionStartPosition startPosition) =>
        startPosition switch
        {
            StreamSubscriptionStartPosition.Latest => TryGetCacheCursor(streamId, null),
            StreamSubscriptionStartPosition.EarliestAvailable => QueueCacheCursorResult<IQueueCacheCursor>.FromCursor(CursorAt(streamId, Math.Max(CoveredFrom, 0))),
            _ => throw new ArgumentOutOfRangeException(nameof(startPosition), startPosition, "not a subscription start position"),
        };

    [Obsolete("Orleans asks through TryGetCacheCursor.")]
    public IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token) => TryGetCacheCursor(streamId, token).Cursor!;

    private Cursor CursorAt(StreamId streamId, long position)
    {
        var cursor = new Cursor(this, streamId, position, deliveryBatchSize);
        _cursors.Add(cursor);
        return cursor;
    }

    public int GetMaxAddCount() => Math.Max(1, capacity - Count);

    public bool IsUnderPressure() => Count >= capacity;

    private bool TryNext(Cursor cursor, [MaybeNullWhen(false)] out IBatchContainer batch)
    {
        batch = null;
        if (CoveredFrom >= 0 && cursor.Position < CoveredFrom)
        {
            Rewind(cursor.Position);
            return false;
        }

        for (var i = IndexOf(cursor.Position); i < _entries.Count; i++)
        {
            var entry = _entries[i];
            if (entry.Batch.StreamId.Equals(cursor.StreamId))
            {
                batch = entry.Batch;
                cursor.MoveTo(entry.Offset + 1);
                return true;
            }
        }

        if (Count > 0)
        {
            cursor.MoveTo(Math.Max(cursor.Position, _entries[^1].Offset + 1));
        }

        return false;
    }

    /// <summary>The index of the first entry at or above <paramref name="offset"/>.</summary>
    private int IndexOf(long offset)
    {
        int low = _head, high = _entries.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (_entries[middle].Offset < offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private readonly record struct Entry(long Offset, IBatchContainer Batch, DateTime Added);

    /// <summary>
    /// A subscription's place in the partition: the next offset it may be given. It also knows which
    /// messages the agent is delivering: the agent takes up to <c>deliveryBatchSize</c> messages (or
    /// until there are no more) per delivery and only moves the cursor again once that delivery is over.
    /// </summary>
    private sealed class Cursor(KafkaQueueCache cache, StreamId streamId, long position, int deliveryBatchSize) : IQueueCacheCursor
    {
        private IBatchContainer? _current;
        private bool _batchOpen;
        private int _batchCount;
        private long? _batchStart;

        public StreamId StreamId { get; } = streamId;

        public long Position { get; private set; } = position;

        /// <summary>
        /// Nothing at or above this may leave the cache: the messages of the delivery under way, which
        /// the agent asks for again when the consumer answers with an older token than it was sent.
        /// </summary>
        public long Floor => _batchStart ?? Position;

        public void MoveTo(long position) => Position = position;

        /// <summary>Back to <paramref name="offset"/> at most.</summary>
        public void RewindTo(long offset)
        {
            Position = Math.Min(Position, offset);
            _batchOpen = false;
        }

        public IBatchContainer? GetCurrent(out Exception? exception)
        {
            exception = null;
            return _current;
        }

        public QueueCacheCursorMoveResult MoveNextWithResult()
        {
            if (!_batchOpen)
            {
                // The agent asks again only once the previous delivery is over.
                _batchOpen = true;
                _batchCount = 0;
                _batchStart = null;
            }

            if (!cache.TryNext(this, out var batch))
            {
                _batchOpen = false;
                return QueueCacheCursorMoveResult.NoData;
            }

            _batchStart ??= batch.SequenceToken.SequenceNumber;
            _batchOpen = ++_batchCount < deliveryBatchSize;
            _current = batch;
            return QueueCacheCursorMoveResult.Success;
        }

        [Obsolete("Orleans asks through MoveNextWithResult.")]
        public bool MoveNext() => MoveNextWithResult().Kind == QueueCacheCursorMoveResultKind.Success;

        // The position already says where the next message is; new messages need no refresh.
        public void Refresh(StreamSequenceToken token)
        {
        }

        public void RecordDeliveryFailure()
        {
        }

        public void Dispose() => cache._cursors.Remove(this);
    }
}
