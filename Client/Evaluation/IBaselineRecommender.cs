namespace Encore.Client.Evaluation;

/// <summary>A recommender computed in-process on the training data, to compare the live recommender against.</summary>
public interface IBaselineRecommender
{
    /// <summary>The method's name in reports: "popularity", "item-knn" or "ease".</summary>
    string Name { get; }

    /// <summary>
    /// Ranks items the listener did not have in training, best first, at most <paramref name="count"/> of them.
    /// Never returns a training item of that listener; equal scores are ordered by item id (ordinal), so the
    /// result is deterministic. Safe to call from several threads at once.
    /// </summary>
    IReadOnlyList<string> Recommend(string userId, int count);
}
