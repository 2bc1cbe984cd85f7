using System.Text;
using Encore.Events;
using Encore.Users;
using Npgsql;

namespace Encore.Pipeline;

/// <summary>
/// Tells a poison event from a passing failure, for one partition grain. A failed call to a grain makes
/// the partition replay; a call that keeps failing at the same offset, for a reason that is not a
/// transient one, for <see cref="PipelineOptions.PoisonAttempts"/> replays spanning at least
/// <see cref="PipelineOptions.PoisonMinAge"/>, is then applied one event at a time: each event whose
/// own call fails is dead-lettered and its offset skipped on later replays, the rest are applied as
/// usual. So one event can never stop a partition, and a database that is away for a while (a
/// transient failure, or one that lasts less than the minimum age) loses nothing.
/// </summary>
internal sealed class PoisonGuard(PipelineOptions options)
{
    private const int MaxReasonLength = 512;

    private readonly Dictionary<GrainId, Failures> _failures = [];
    private readonly HashSet<long> _poisoned = [];

    /// <summary><paramref name="events"/> without those already dead-lettered (a replay brings them again).</summary>
    public List<PartitionEvent> Pending(List<PartitionEvent> events) =>
        _poisoned.Count == 0 ? events : events.Where(e => !_poisoned.Contains(e.Offset)).ToList();

    /// <summary>A call to <paramref name="grain"/> for offsets from <paramref name="firstOffset"/> failed.</summary>
    public void Failed(GrainId grain, long firstOffset, Exception exception)
    {
        if (IsTransient(exception))
        {
            return;
        }

        _failures[grain] = _failures.TryGetValue(grain, out var known) && known.FirstOffset == firstOffset
            ? known with { Count = known.Count + 1 }
            : new Failures(firstOffset, 1, DateTime.UtcNow);
    }

    public void Succeeded(GrainId grain) => _failures.Remove(grain);

    /// <summary>Whether calls to <paramref name="grain"/> from <paramref name="firstOffset"/> failed often and long enough to isolate them.</summary>
    public bool IsSuspect(GrainId grain, long firstOffset) =>
        _failures.TryGetValue(grain, out var known)
        && known.FirstOffset == firstOffset
        && known.Count >= options.PoisonAttempts
        && DateTime.UtcNow - known.Since >= options.PoisonMinAge;

    /// <summary>
    /// Applies <paramref name="events"/> to a user bucket one at a time, in order. An event whose call
    /// fails for a reason that is not transient is handed to <paramref name="deadLetters"/>; a transient
    /// failure (or a failure to dead-letter) fails the whole call, which the partition handles as any
    /// failed call. Returns the results merged, or null when every event was dead-lettered.
    /// </summary>
    public async Task<Isolated> IsolateAsync(
        GrainId grain, List<PartitionEvent> events, Func<PartitionEvent, Task<UserBucketResult>> applyOne, IDeadLetters deadLetters)
    {
        var users = new List<UserOutcome>();
        UserBucketResult? last = null;
        var lastApplied = -1L;
        var deadLettered = 0;
        foreach (var e in events)
        {
            UserBucketResult result;
            try
            {
                result = await applyOne(e);
            }
            catch (Exception exception) when (!IsTransient(exception) && exception is not OutOfMemoryException)
            {
                await deadLetters.WriteAsync(e, Describe(exception));
                _poisoned.Add(e.Offset);
                deadLettered++;
                continue;
            }

            users.AddRange(result.Users);
            last = result;
            lastApplied = e.Offset;
        }

        _failures.Remove(grain);
        return new Isolated(
            last is null ? null : new UserBucketResult([.. users], last.DurableNextOffset, last.Activation, last.ItemNumbering),
            lastApplied,
            deadLettered);
    }

    /// <summary>Offsets below <paramref name="committed"/> are never read again: forget them.</summary>
    public void ForgetBelow(long committed) => _poisoned.RemoveWhere(o => o < committed);

    /// <summary>
    /// Failures that pass by themselves: timeouts, an unavailable silo, a database connection that
    /// broke or a server that is starting, stopping or out of connections (SQLSTATE 08, 53, 57P).
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case TimeoutException or OperationCanceledException or SiloUnavailableException:
                case NpgsqlException { IsTransient: true }:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsTransient):
                    return true;
            }
        }

        return false;
    }

    /// <summary>The reason a dead letter carries: the failure in one printable line.</summary>
    public static string Describe(Exception exception)
    {
        var text = new StringBuilder($"{exception.GetType().Name}: {exception.Message}");
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]))
            {
                text[i] = ' ';
            }
        }

        return text.Length > MaxReasonLength ? text.ToString(0, MaxReasonLength) : text.ToString();
    }

    private readonly record struct Failures(long FirstOffset, int Count, DateTime Since);
}

/// <param name="Result">The merged result of the events applied, null when every event was dead-lettered.</param>
/// <param name="LastApplied">The last offset the grain applied (-1 when none).</param>
/// <param name="DeadLettered">How many events were dead-lettered.</param>
internal sealed record Isolated(UserBucketResult? Result, long LastApplied, int DeadLettered);
