using Encore.Catalog;

namespace Encore.Client.Evaluation;

/// <summary>One evaluated listener: their training and held-out plays as track ids, each part in time order.</summary>
public sealed record ListenerSplit(string UserId, IReadOnlyList<string> TrainTracks, IReadOnlyList<string> TestTracks);

/// <summary>
/// Scores the live recommender and the baselines at one level (docs/evaluation.md, steps 4 and 5): the
/// relevant set, the baselines' training data and every method's list are all taken to that level the same way.
/// </summary>
public sealed class LevelScoring
{
    /// <summary>The λ candidates EASE picks from.</summary>
    public static readonly IReadOnlyList<double> EaseLambdas = [10, 50, 100, 250, 500, 1000];

    /// <summary>The EASE item cap (the most listened items at the level).</summary>
    public const int EaseMaxItems = 2_500;

    /// <summary>Every baseline's method name, in report order.</summary>
    public static readonly IReadOnlyList<string> Baselines = [PopularityBaseline.Method, ItemKnnBaseline.Method, EaseBaseline.Method];

    private readonly EvaluationLevel _level;
    private readonly TrackCatalog _catalog;

    public LevelScoring(EvaluationLevel level, TrackCatalog catalog)
    {
        _level = level;
        _catalog = catalog;
    }

    /// <summary>The λ EASE picked, once <see cref="Score"/> has run.</summary>
    public double? EaseLambda { get; private set; }

    /// <summary>
    /// The item a track is at this level: the track id itself, or the first artist the catalog lists for it;
    /// null for a track the catalog does not know or that lists no artist.
    /// </summary>
    public string? ItemOf(string trackId) => _level switch
    {
        EvaluationLevel.Track => trackId,
        _ => _catalog.TryGet(trackId, out var track) && track.Artists.Length > 0 ? track.Artists[0] : null,
    };

    /// <summary>
    /// A method's list at this level: each entry taken to the level, repeats and the listener's training
    /// items dropped, order kept, at most <paramref name="count"/> long.
    /// </summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string?> items, IReadOnlySet<string> training, int count)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>(count);
        foreach (var item in items)
        {
            if (list.Count == count)
            {
                break;
            }

            if (item is not null && !training.Contains(item) && seen.Add(item))
            {
                list.Add(item);
            }
        }

        return list;
    }

    /// <summary>
    /// Scores <paramref name="live"/> (the live recommender's track lists, by userId) and the baselines over
    /// <paramref name="splits"/>. Every split's training plays train the baselines; a listener is scored when
    /// their relevant set (held-out items not among their training items) is not empty and they have a live list.
    /// <paramref name="baselines"/> (null: all) says which of <see cref="Baselines"/> to compute, always in that order.
    /// </summary>
    /// <returns>The live recommender's row first, then the baselines asked for of popularity, item-kNN and EASE.</returns>
    public IReadOnlyList<MethodResult> Score(
        IReadOnlyList<ListenerSplit> splits,
        string liveName,
        IReadOnlyDictionary<string, IReadOnlyList<string>> live,
        IReadOnlyList<int> ks,
        IReadOnlyCollection<string>? baselines = null)
    {
        var train = new List<ListenerItems>(splits.Count);
        var scored = new List<(string UserId, HashSet<string> Training, HashSet<string> Relevant)>();
        foreach (var split in splits)
        {
            var items = Items(split.TrainTracks);
            train.Add(new ListenerItems(split.UserId, items));
            var training = items.ToHashSet(StringComparer.Ordinal);
            var relevant = Items(split.TestTracks).Where(i => !training.Contains(i)).ToHashSet(StringComparer.Ordinal);
            if (relevant.Count > 0 && live.ContainsKey(split.UserId))
            {
                scored.Add((split.UserId, training, relevant));
            }
        }

        var universe = train.SelectMany(t => t.Items).Distinct(StringComparer.Ordinal).Count();
        var longest = ks.Max();
        var wanted = baselines ?? Baselines;
        var methods = new List<IBaselineRecommender>();
        if (wanted.Contains(PopularityBaseline.Method))
        {
            methods.Add(new PopularityBaseline(train));
        }

        if (wanted.Contains(ItemKnnBaseline.Method))
        {
            methods.Add(new ItemKnnBaseline(train));
        }

        if (wanted.Contains(EaseBaseline.Method))
        {
            // Picking lambda fits EASE once per candidate: minutes on two cores, the reason to leave it out while iterating.
            EaseLambda = EaseBaseline.PickLambda(train, EaseLambdas, longest, EaseMaxItems);
            methods.Add(new EaseBaseline(train, EaseLambda.Value, EaseMaxItems));
        }

        var liveMetrics = new MetricsAccumulator(liveName, _level, ks, universe);
        var baselineMetrics = methods.Select(b => new MetricsAccumulator(b.Name, _level, ks, universe)).ToArray();
        Func<string, string> artistOf = _level == EvaluationLevel.Track ? track => ArtistOf(track) : artist => artist;
        foreach (var (userId, training, relevant) in scored)
        {
            liveMetrics.Add(Normalize(live[userId].Select(ItemOf), training, longest), relevant, artistOf);
            for (var b = 0; b < methods.Count; b++)
            {
                baselineMetrics[b].Add(Normalize(methods[b].Recommend(userId, longest), training, longest), relevant, artistOf);
            }
        }

        return [liveMetrics.Result(), .. baselineMetrics.Select(m => m.Result())];
    }

    private string[] Items(IEnumerable<string> tracks) => [.. tracks.Select(ItemOf).OfType<string>()];

    // A track without a known artist still counts as an artist of its own in the distinct-artists figure.
    private string ArtistOf(string trackId) =>
        _catalog.TryGet(trackId, out var track) && track.Artists.Length > 0 ? track.Artists[0] : trackId;
}
