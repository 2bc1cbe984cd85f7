namespace Encore.Client.Evaluation;

/// <summary>
/// The non-personalised floor every recommender has to beat: items by number of distinct listeners in
/// training, most first, ties by item id. A listener not in training gets the plain chart.
/// </summary>
public sealed class PopularityBaseline : IBaselineRecommender
{
    private readonly TrainingIndex _index;
    private readonly int[] _ranked;

    public PopularityBaseline(IReadOnlyList<ListenerItems> train)
    {
        _index = new TrainingIndex(train);
        _ranked = _index.ByPopularity();
    }

    public const string Method = "popularity";

    public string Name => Method;

    public IReadOnlyList<string> Recommend(string userId, int count)
    {
        var own = _index.ItemsOf(userId) ?? [];
        var ids = new List<string>(Math.Clamp(count, 0, _ranked.Length));
        for (var i = 0; i < _ranked.Length && ids.Count < count; i++)
        {
            if (Array.BinarySearch(own, _ranked[i]) < 0)
            {
                ids.Add(_index.ItemIds[_ranked[i]]);
            }
        }

        return ids;
    }
}
