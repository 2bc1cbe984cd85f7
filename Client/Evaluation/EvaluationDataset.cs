using System.Security.Cryptography;
using System.Text;
using Encore.Client.Listening;

namespace Encore.Client.Evaluation;

/// <summary>What <c>evaluate</c> reads: listening data of a format at a path, or the synthetic play generator.</summary>
/// <param name="Format">The format; null for the synthetic generator.</param>
/// <param name="Path">The file or directory; null for the synthetic generator.</param>
public sealed record EvaluationDataset(ListeningFormat? Format, string? Path)
{
    public const string Synthetic = "synthetic";

    /// <summary>How the data set is named on the command line and in the report: <c>mpd:/data/mpd</c>, <c>synthetic</c>.</summary>
    public string Name => Format is { } format ? $"{format.ToString().ToLowerInvariant()}:{Path}" : Synthetic;

    /// <summary>Reads <c>mpd:DIR</c>, <c>spotify:DIR</c>, <c>jsonl:FILE</c> or <c>synthetic</c>; the error says what is wrong.</summary>
    public static bool TryParse(string text, out EvaluationDataset? dataset, out string? error)
    {
        dataset = null;
        error = null;
        text = text.Trim();
        if (text.Equals(Synthetic, StringComparison.OrdinalIgnoreCase))
        {
            dataset = new EvaluationDataset(null, null);
            return true;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !Enum.TryParse<ListeningFormat>(text[..colon], ignoreCase: true, out var format) || int.TryParse(text[..colon], out _))
        {
            error = $"--dataset '{text}' is not mpd:DIR, spotify:DIR, jsonl:FILE or synthetic.";
            return false;
        }

        var path = text[(colon + 1)..].Trim();
        if (path.Length == 0)
        {
            error = $"--dataset '{text}' names no path after '{text[..(colon + 1)]}'.";
            return false;
        }

        dataset = new EvaluationDataset(format, path);
        return true;
    }

    /// <summary>
    /// A deterministic sample of <paramref name="count"/> listeners: those whose hash of seed and userId is
    /// smallest. Streams the input and keeps only the sample, and depends on nothing but the seed and the ids.
    /// </summary>
    public static List<ListenerHistory> Sample(IEnumerable<ListenerHistory> listeners, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        // The largest kept rank on top, so that a smaller one can replace it.
        var kept = new PriorityQueue<ListenerHistory, (ulong Rank, string UserId)>(
            Comparer<(ulong Rank, string UserId)>.Create((a, b) =>
                b.Rank != a.Rank ? b.Rank.CompareTo(a.Rank) : string.CompareOrdinal(b.UserId, a.UserId)));
        foreach (var listener in listeners)
        {
            var rank = (Rank(seed, listener.UserId), listener.UserId);
            if (kept.Count < count)
            {
                kept.Enqueue(listener, rank);
            }
            else if (kept.TryPeek(out _, out var worst) && kept.Comparer.Compare(rank, worst) > 0)
            {
                kept.DequeueEnqueue(listener, rank);
            }
        }

        var sample = new List<(ListenerHistory Listener, (ulong Rank, string UserId) Rank)>(kept.Count);
        while (kept.TryDequeue(out var listener, out var rank))
        {
            sample.Add((listener, rank));
        }

        // By rank: the same sample always comes out in the same order.
        return [.. sample.OrderBy(s => s.Rank.Rank).ThenBy(s => s.Rank.UserId, StringComparer.Ordinal).Select(s => s.Listener)];
    }

    private static ulong Rank(int seed, string userId) =>
        BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\u001f{userId}")), 0);
}
