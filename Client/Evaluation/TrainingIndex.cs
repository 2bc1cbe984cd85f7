namespace Encore.Client.Evaluation;

/// <summary>
/// The training data as a binary listener x item matrix, both ways round. Items are numbered in ordinal order
/// of their ids, so that a lower index breaking a tie is the same as a lower id breaking it.
/// </summary>
internal sealed class TrainingIndex
{
    private readonly Dictionary<string, int> _users;

    public TrainingIndex(IReadOnlyList<ListenerItems> train)
    {
        ArgumentNullException.ThrowIfNull(train);

        // A listener given twice (the caller concatenated two sources) is one listener with the union of items.
        var sets = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var listener in train)
        {
            if (!sets.TryGetValue(listener.UserId, out var set))
            {
                sets[listener.UserId] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(listener.Items);
        }

        ItemIds = sets.Values.SelectMany(s => s).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var itemIndex = new Dictionary<string, int>(ItemIds.Length, StringComparer.Ordinal);
        for (var i = 0; i < ItemIds.Length; i++)
        {
            itemIndex[ItemIds[i]] = i;
        }

        _users = new Dictionary<string, int>(sets.Count, StringComparer.Ordinal);
        UserItems = new int[sets.Count][];
        var listenerCounts = new int[ItemIds.Length];
        foreach (var (userId, set) in sets)
        {
            var items = set.Select(id => itemIndex[id]).Order().ToArray();
            foreach (var item in items)
            {
                listenerCounts[item]++;
            }

            UserItems[_users.Count] = items;
            _users[userId] = _users.Count;
        }

        ItemListeners = new int[ItemIds.Length][];
        for (var i = 0; i < ItemIds.Length; i++)
        {
            ItemListeners[i] = new int[listenerCounts[i]];
        }

        var filled = new int[ItemIds.Length];
        for (var user = 0; user < UserItems.Length; user++)
        {
            foreach (var item in UserItems[user])
            {
                ItemListeners[item][filled[item]++] = user;
            }
        }
    }

    /// <summary>Item ids by index, in ordinal order.</summary>
    public string[] ItemIds { get; }

    /// <summary>Each listener's distinct items, as ascending indices.</summary>
    public int[][] UserItems { get; }

    /// <summary>Each item's distinct listeners, as ascending listener indices.</summary>
    public int[][] ItemListeners { get; }

    /// <summary>The listener's distinct training items as ascending indices, or null for a listener not in training.</summary>
    public int[]? ItemsOf(string userId) => _users.TryGetValue(userId, out var user) ? UserItems[user] : null;

    /// <summary>Item indices by number of listeners, most first, ties by index (so by id).</summary>
    public int[] ByPopularity() =>
        Enumerable.Range(0, ItemIds.Length).OrderByDescending(i => ItemListeners[i].Length).ThenBy(i => i).ToArray();
}
