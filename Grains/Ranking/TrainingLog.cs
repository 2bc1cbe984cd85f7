using Encore.Stats;
using Microsoft.Extensions.Options;

namespace Encore.Ranking;

/// <summary>
/// This silo's training snapshots: which plays get one, and the newest <see cref="RankerOptions.SnapshotCapacity"/>
/// of them in memory (older ones are dropped, and a silo that stops loses its own).
/// </summary>
/// <remarks>
/// A user bucket describes the listener just before it applies the sampled play, and the partition
/// grain builds the candidates before it sends the batch's plays on (<see cref="SnapshotTaker"/>), so
/// the candidates and their features are what the recommender knew at that moment: no neighbour list,
/// artist affinity or count yet includes the plays that will label it.
/// </remarks>
public sealed class TrainingLog(IOptions<RankerOptions> options, TimeProvider time)
{
    /// <summary>A listener needs this many plays before a snapshot is worth taking.</summary>
    public const int MinHistory = 10;

    /// <summary>Snapshots being built at once on a silo, at most, when snapshots are limited.</summary>
    public const int MaxInFlight = 2;

    private readonly Lock _lock = new();
    private readonly Queue<KeptSnapshot> _snapshots = new();
    private double _tokens = double.NaN;
    private long _refilledAt;
    private int _inFlight;

    /// <summary>
    /// Whether the play with eventId hash <paramref name="eventHash"/> gets a snapshot, which then must
    /// be ended with <see cref="Finish"/>: <see cref="IsSampled"/>, and <see cref="TryStart()"/>.
    /// </summary>
    public bool TryStart(ulong eventHash, long playsBefore) => IsSampled(eventHash, playsBefore) && TryStart();

    /// <summary>
    /// Whether the play with eventId hash <paramref name="eventHash"/> is one to take a snapshot before:
    /// one in <see cref="RankerOptions.SnapshotEvery"/> of the plays of listeners with a history, chosen
    /// by the eventId.
    /// </summary>
    public bool IsSampled(ulong eventHash, long playsBefore)
    {
        var o = options.Value;
        // The high bits: the low ones already pick the eventId ring's slots elsewhere.
        return o.SnapshotEvery > 0 && playsBefore >= MinHistory && (eventHash >> 40) % (ulong)o.SnapshotEvery == 0;
    }

    /// <summary>
    /// Whether a sampled play's snapshot may be built now, which then must be ended with
    /// <see cref="Finish"/>: unless <see cref="RankerOptions.SnapshotsPerSecond"/> is 0, no more than that
    /// many a second on this silo (a burst of one second's worth) and no more than <see cref="MaxInFlight"/>
    /// at once. A snapshot builds a full candidate list while its partition waits; when the silo is too
    /// busy to build them quickly, the cap keeps the waiting to a few partitions instead of all.
    /// </summary>
    public bool TryStart()
    {
        var o = options.Value;
        lock (_lock)
        {
            if (o.SnapshotsPerSecond > 0)
            {
                var now = time.GetTimestamp();
                var burst = Math.Max(1, o.SnapshotsPerSecond);
                _tokens = double.IsNaN(_tokens) ? burst : Math.Min(burst, _tokens + time.GetElapsedTime(_refilledAt, now).TotalSeconds * o.SnapshotsPerSecond);
                _refilledAt = now;
                if (_tokens < 1 || _inFlight >= MaxInFlight)
                {
                    return false;
                }

                _tokens--;
            }

            _inFlight++;
            return true;
        }
    }

    /// <summary>Ends a snapshot <see cref="TryStart()"/> allowed, taken or not.</summary>
    public void Finish()
    {
        lock (_lock)
        {
            _inFlight--;
        }
    }

    public void Add(TrainingSnapshot snapshot)
    {
        var kept = KeptSnapshot.Of(snapshot);
        lock (_lock)
        {
            _snapshots.Enqueue(kept);
            while (_snapshots.Count > options.Value.SnapshotCapacity)
            {
                _snapshots.Dequeue();
            }
        }
    }

    public TrainingSnapshot[] Get(int skip, int take)
    {
        KeptSnapshot[] kept;
        lock (_lock)
        {
            kept = [.. _snapshots.Skip(skip).Take(take)];
        }

        // Rows rebuilt outside the lock: a whole log is hundreds of thousands of arrays, and the
        // partitions adding snapshots would wait for them.
        return [.. kept.Select(s => s.ToSnapshot())];
    }

    /// <summary>
    /// A snapshot as the log keeps it: its candidates' feature vectors in one array, row after row. A
    /// full log of 2 000 snapshots held about 800 000 small arrays that way, each one copied by two
    /// collections on its way to the oldest generation (docs/performance.md); it is read only to train.
    /// </summary>
    /// <remarks>
    /// The row array and the heuristic scores live on the pinned object heap, which young collections
    /// neither copy nor scan: a snapshot stays in the log for minutes, so every one of them reached the
    /// oldest generation anyway, and on the way its tens of kilobytes were a fifth of what each young
    /// collection copied under a live stream (docs/performance.md).
    /// </remarks>
    private sealed record KeptSnapshot(TrainingSnapshot Snapshot, float[] Features, int Rows)
    {
        public static KeptSnapshot Of(TrainingSnapshot snapshot)
        {
            var rows = snapshot.Candidates.Features;
            var width = rows.Length == 0 ? 0 : rows[0].Length;
            if (rows.Any(row => row.Length != width))
            {
                // Not a table: kept as it came (every feature vector the recommender builds has one length).
                return new KeptSnapshot(snapshot, [], -1);
            }

            var features = GC.AllocateUninitializedArray<float>(rows.Length * width, pinned: true);
            for (var i = 0; i < rows.Length; i++)
            {
                rows[i].CopyTo(features, i * width);
            }

            var scores = GC.AllocateUninitializedArray<double>(snapshot.Candidates.HeuristicScores.Length, pinned: true);
            snapshot.Candidates.HeuristicScores.CopyTo(scores, 0);
            return new KeptSnapshot(snapshot with { Candidates = snapshot.Candidates with { Features = [], HeuristicScores = scores } }, features, rows.Length);
        }

        public TrainingSnapshot ToSnapshot()
        {
            if (Rows < 0)
            {
                return Snapshot;
            }

            var width = Rows == 0 ? 0 : Features.Length / Rows;
            var rows = new float[Rows][];
            for (var i = 0; i < Rows; i++)
            {
                rows[i] = Features.AsSpan(i * width, width).ToArray();
            }

            return Snapshot with { Candidates = Snapshot.Candidates with { Features = rows } };
        }
    }
}

[SiloKeyedPlacement]
internal sealed class TrainingLogGrain(TrainingLog log) : Grain, ITrainingLogGrain
{
    public Task<TrainingSnapshot[]> GetAsync(int skip, int take) => Task.FromResult(log.Get(skip, take));
}
