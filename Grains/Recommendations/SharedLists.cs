using System.Collections.Concurrent;
using Encore.Hosting;
using Encore.Similarity;
using Encore.Trending;

namespace Encore.Recommendations;

/// <summary>
/// This silo's copies of the lists every listener's recommendations share: artists' and tracks'
/// neighbours, and trending tracks, each kept for <see cref="MaxAge"/>. A recommendation asks for up to
/// 30 artists' and 20 tracks' neighbours; as grain calls they were most of its cost, and two
/// listeners of one artist asked for the same list. The lists are statistics over every listener,
/// which the bucket grains themselves re-rank at most every few seconds (<see cref="NeighbourCache.MaxAge"/>),
/// so a copy this old says the same. What is the listener's own (their history, their session's
/// co-listens) is always asked for.
/// </summary>
public sealed class SharedLists(IGrainFactory grains, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = NeighbourCache.MaxAge;

    /// <summary>Copies kept per kind at most; past it, all of them are dropped. Expired ones are dropped every <see cref="MaxAge"/> anyway.</summary>
    public const int Capacity = 20_000;

    private readonly Copies<ItemNeighbours> _artists = new(time);
    private readonly Copies<ItemNeighbours> _tracks = new(time);
    private readonly Copies<TrendingItem[]> _trending = new(time);

    public Task<ItemNeighbours> ArtistNeighboursAsync(string artist, int count) =>
        _artists.GetAsync(artist, count, () => grains.BucketOf(ItemKinds.Artist, artist).GetNeighboursAsync(artist, count));

    public Task<ItemNeighbours> TrackNeighboursAsync(string trackId, int count) =>
        _tracks.GetAsync(trackId, count, () => grains.BucketOf(ItemKinds.Track, trackId).GetNeighboursAsync(trackId, count));

    public Task<TrendingItem[]> TrendingAsync(string key, int count) =>
        _trending.GetAsync(key, count, () => grains.Get<ITrendingGrain>(key).GetTopAsync(count));

    /// <summary>Copies of trending lists held now (for tests).</summary>
    internal int TrendingCopies => _trending.Count;

    /// <summary>Copies of one kind of list, by key and the length asked for.</summary>
    private sealed class Copies<T>(TimeProvider time)
        where T : class
    {
        private readonly ConcurrentDictionary<(string Key, int Count), Copy> _copies = new();
        private long _droppedAt = time.GetTimestamp();

        /// <summary>Copies held now, expired ones included until the next drop.</summary>
        public int Count => _copies.Count;

        public async Task<T> GetAsync(string key, int count, Func<Task<T>> fetch)
        {
            if (_copies.TryGetValue((key, count), out var copy) && time.GetElapsedTime(copy.At) < MaxAge)
            {
                return copy.Value;
            }

            var value = await fetch();

            // Expired copies are worthless and, kept until the capacity, held tens of thousands of
            // neighbour lists for nothing (docs/performance.md).
            if (ClaimDrop() || _copies.Count >= Capacity)
            {
                DropExpired();
            }

            _copies[(key, count)] = new Copy(value, time.GetTimestamp());
            return value;
        }

        /// <summary>
        /// Whether this caller is the one to drop expired copies now: the first to ask once the last
        /// drop is <see cref="MaxAge"/> old, so that the drops need neither a timer nor a lock.
        /// </summary>
        private bool ClaimDrop()
        {
            var droppedAt = Interlocked.Read(ref _droppedAt);
            return time.GetElapsedTime(droppedAt) >= MaxAge
                && Interlocked.CompareExchange(ref _droppedAt, time.GetTimestamp(), droppedAt) == droppedAt;
        }

        private void DropExpired()
        {
            foreach (var (key, copy) in _copies)
            {
                if (time.GetElapsedTime(copy.At) >= MaxAge)
                {
                    // This copy only: another caller may have put a fresh one under the key meanwhile.
                    _copies.TryRemove(new KeyValuePair<(string, int), Copy>(key, copy));
                }
            }

            if (_copies.Count >= Capacity)
            {
                _copies.Clear();
            }
        }

        private sealed record Copy(T Value, long At);
    }
}
