namespace Encore.Client.Evaluation;

/// <summary>
/// Keeps the best <c>count</c> of a stream of scored items without sorting them all: a listener's candidate
/// set can be the whole catalogue, and a report ranks thousands of listeners.
/// </summary>
internal sealed class TopItems
{
    private readonly int _count;
    private readonly PriorityQueue<int, (double Score, int Item)> _worstFirst;

    public TopItems(int count)
    {
        _count = Math.Max(count, 0);
        _worstFirst = new PriorityQueue<int, (double Score, int Item)>(_count + 1, WorstFirst.Instance);
    }

    public void Offer(int item, double score)
    {
        if (_count == 0)
        {
            return;
        }

        if (_worstFirst.Count < _count)
        {
            _worstFirst.Enqueue(item, (score, item));
        }
        else if (WorstFirst.Instance.Compare((score, item), PeekPriority()) > 0)
        {
            _worstFirst.DequeueEnqueue(item, (score, item));
        }
    }

    /// <summary>The kept items' ids, best first.</summary>
    public string[] ToIds(string[] itemIds)
    {
        var ids = new string[_worstFirst.Count];
        for (var i = ids.Length - 1; i >= 0; i--)
        {
            ids[i] = itemIds[_worstFirst.Dequeue()];
        }

        return ids;
    }

    private (double Score, int Item) PeekPriority()
    {
        _worstFirst.TryPeek(out _, out var priority);
        return priority;
    }

    /// <summary>Lower score first; among equal scores the higher index (the later id) is the worse.</summary>
    private sealed class WorstFirst : IComparer<(double Score, int Item)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((double Score, int Item) x, (double Score, int Item) y)
        {
            var byScore = x.Score.CompareTo(y.Score);
            return byScore != 0 ? byScore : y.Item.CompareTo(x.Item);
        }
    }
}
