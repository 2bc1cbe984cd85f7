using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;

namespace Encore.Client.Evaluation;

/// <summary>
/// Steck (2019), "Embarrassingly Shallow Autoencoders for Sparse Data": a closed-form item-item linear model.
/// G = XᵀX + λI over the binary listener x item matrix X, P = G⁻¹, B = I − P·diag(1/diag(P)) (so B has a
/// zero diagonal), and a listener's scores are x_u·B.
/// </summary>
/// <remarks>
/// The inverse is dense and costs O(n³), so the model keeps only the <c>maxItems</c> items with the most
/// listeners (ties by id); items outside never get a score and are never recommended, and a listener none of
/// whose training items is kept gets an empty list.
/// <para>
/// Measured with the managed Math.NET provider on the 2-core development machine (shared with other builds,
/// load average 10 to 19), 10 000 listeners with 40 plays each over 10 000 tracks, 2 500 items kept: the
/// constructor takes 72 s of CPU (198 s wall-clock), nearly all of it the Cholesky solve against the
/// identity; ranking 50 items for all 10 000 listeners then takes about 3 s of CPU. <see cref="PickLambda"/>
/// with 3 candidates takes 131 s of CPU (359 s wall-clock), where three Cholesky inverses would take about
/// 215 s. At 1 000 items the constructor takes 2.4 s of CPU: the cost grows as n³.
/// </para>
/// </remarks>
public sealed class EaseBaseline : IBaselineRecommender
{
    /// <summary>The share of each listener's training items <see cref="PickLambda"/> holds out for validation.</summary>
    public const double ValidationFraction = 0.2;

    private readonly TrainingIndex _index;
    private readonly ItemSubset _items;
    private readonly double[] _weights;

    /// <param name="train">The training data.</param>
    /// <param name="lambda">The L2 regularisation, positive; its best value grows with the data, so pick it with <see cref="PickLambda"/>.</param>
    /// <param name="maxItems">How many of the most listened items the model keeps.</param>
    public EaseBaseline(IReadOnlyList<ListenerItems> train, double lambda, int maxItems = 2500)
    {
        CheckLambda(lambda);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxItems);
        _index = new TrainingIndex(train);
        _items = new ItemSubset(_index, maxItems);
        _weights = _items.Count == 0 ? [] : Fit(_index, _items, lambda);
        Lambda = lambda;
    }

    private EaseBaseline(TrainingIndex index, ItemSubset items, double[] weights, double lambda)
    {
        _index = index;
        _items = items;
        _weights = weights;
        Lambda = lambda;
    }

    public const string Method = "ease";

    public string Name => Method;

    /// <summary>The regularisation the model was built with.</summary>
    public double Lambda { get; }

    /// <summary>How many items the model kept (at most the cap given).</summary>
    public int ItemCount => _items.Count;

    /// <summary>
    /// Picks λ from <paramref name="candidates"/> by mean NDCG@<paramref name="k"/> on a validation slice of the
    /// training data: each listener's last 20 % of training items (<see cref="Holdout.Split"/>) is held out, and
    /// the relevant set is the held-out items not already among the listener's remaining items. Listeners with
    /// fewer than 2 items, or nothing relevant, only train. Equal NDCGs go to the earlier candidate.
    /// </summary>
    /// <remarks>
    /// One symmetric eigendecomposition XᵀX = V·D·Vᵀ serves every candidate, P(λ) = V·(D + λI)⁻¹·Vᵀ, so each
    /// candidate costs one matrix product instead of a factorisation and a solve. A single candidate is returned
    /// without any computation.
    /// </remarks>
    /// <returns>The chosen λ.</returns>
    public static double PickLambda(IReadOnlyList<ListenerItems> train, IReadOnlyList<double> candidates, int k, int maxItems = 2500)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxItems);
        if (candidates.Count == 0)
        {
            throw new ArgumentException("Give at least one candidate lambda.", nameof(candidates));
        }

        foreach (var lambda in candidates)
        {
            CheckLambda(lambda);
        }

        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        var (fit, validation) = ValidationSplit(train);
        var best = (Lambda: candidates[0], Ndcg: double.NegativeInfinity);
        foreach (var model in ForEachLambda(fit, candidates, maxItems))
        {
            var ndcg = validation.Count == 0 ? 0 : validation.Average(v => RankingMetrics.Ndcg(model.Recommend(v.UserId, k), v.Relevant, k));
            if (ndcg > best.Ndcg)
            {
                best = (model.Lambda, ndcg);
            }
        }

        return best.Lambda;
    }

    public IReadOnlyList<string> Recommend(string userId, int count)
    {
        var own = _index.ItemsOf(userId);
        if (own is null || count <= 0)
        {
            return [];
        }

        var n = _items.Count;
        var scores = new double[n];
        var kept = 0;
        foreach (var item in own)
        {
            var row = _items.PositionOf(item);
            if (row < 0)
            {
                continue;
            }

            kept++;
            var weights = _weights.AsSpan(row * n, n);
            for (var j = 0; j < n; j++)
            {
                scores[j] += weights[j];
            }
        }

        if (kept == 0)
        {
            return [];
        }

        var top = new TopItems(count);
        for (var j = 0; j < n; j++)
        {
            var item = _items.ItemAt(j);
            if (Array.BinarySearch(own, item) < 0)
            {
                top.Offer(item, scores[j]);
            }
        }

        return top.ToIds(_index.ItemIds);
    }

    /// <summary>
    /// The models for several λ on the same data from one symmetric eigendecomposition XᵀX = V·D·Vᵀ:
    /// (XᵀX + λI)⁻¹ = V·(D + λI)⁻¹·Vᵀ, so each λ costs a matrix product instead of a factorisation and a solve.
    /// </summary>
    internal static IEnumerable<EaseBaseline> ForEachLambda(IReadOnlyList<ListenerItems> train, IReadOnlyList<double> lambdas, int maxItems)
    {
        var index = new TrainingIndex(train);
        var items = new ItemSubset(index, maxItems);
        if (items.Count == 0)
        {
            // Nothing was played, and Math.NET has no 0 x 0 matrices: every model is empty.
            foreach (var lambda in lambdas)
            {
                yield return new EaseBaseline(index, items, [], lambda);
            }

            yield break;
        }

        var eigen = items.Gram(index).Evd(Symmetricity.Symmetric);
        var vectors = eigen.EigenVectors;
        foreach (var lambda in lambdas)
        {
            // XᵀX is positive semi-definite; an eigenvalue a rounding error below zero is still zero.
            var inverted = eigen.EigenValues.Select(d => 1 / (Math.Max(d.Real, 0) + lambda)).ToArray();
            var scaled = vectors.MapIndexed((_, c, v) => v * inverted[c]);
            yield return new EaseBaseline(index, items, Weights(scaled.TransposeAndMultiply(vectors)), lambda);
        }
    }

    /// <summary>B[from, to], or null when either item is outside the model.</summary>
    internal double? Weight(string from, string to)
    {
        var row = Position(from);
        var column = Position(to);
        return row < 0 || column < 0 ? null : _weights[row * _items.Count + column];
    }

    private int Position(string item)
    {
        var index = Array.BinarySearch(_index.ItemIds, item, StringComparer.Ordinal);
        return index < 0 ? -1 : _items.PositionOf(index);
    }

    /// <summary>The weights through the Cholesky factorisation of XᵀX + λI, which is symmetric positive definite for λ &gt; 0.</summary>
    private static double[] Fit(TrainingIndex index, ItemSubset items, double lambda)
    {
        var gram = items.Gram(index);
        for (var i = 0; i < items.Count; i++)
        {
            gram[i, i] += lambda;
        }

        return Weights(gram.Cholesky().Solve(DenseMatrix.CreateIdentity(items.Count)));
    }

    /// <summary>B = I − P·diag(1/diag(P)) as a row-major array, so that x_u·B adds up contiguous rows.</summary>
    private static double[] Weights(Matrix<double> inverse)
    {
        var n = inverse.RowCount;
        var weights = new double[n * n];
        for (var j = 0; j < n; j++)
        {
            var diagonal = inverse[j, j];
            for (var i = 0; i < n; i++)
            {
                weights[i * n + j] = i == j ? 0 : -inverse[i, j] / diagonal;
            }
        }

        return weights;
    }

    private static (List<ListenerItems> Fit, List<(string UserId, IReadOnlySet<string> Relevant)> Validation) ValidationSplit(
        IReadOnlyList<ListenerItems> train)
    {
        var fit = new List<ListenerItems>(train.Count);
        var validation = new List<(string, IReadOnlySet<string>)>();
        foreach (var listener in train)
        {
            if (Holdout.Split(listener.Items, ValidationFraction) is not var (kept, heldOut))
            {
                fit.Add(listener);
                continue;
            }

            fit.Add(listener with { Items = kept });
            var relevant = new HashSet<string>(heldOut, StringComparer.Ordinal);
            relevant.ExceptWith(kept);
            if (relevant.Count > 0)
            {
                validation.Add((listener.UserId, relevant));
            }
        }

        return (fit, validation);
    }

    private static void CheckLambda(double lambda)
    {
        if (!(lambda > 0) || double.IsInfinity(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "Lambda must be a positive finite number (XᵀX alone is singular).");
        }
    }

    /// <summary>The items the model keeps, numbered 0..n-1 in ascending index (so ascending id) order.</summary>
    private sealed class ItemSubset
    {
        private readonly int[] _items;
        private readonly int[] _positions;

        public ItemSubset(TrainingIndex index, int maxItems)
        {
            _items = index.ByPopularity().Take(maxItems).Order().ToArray();
            _positions = new int[index.ItemIds.Length];
            Array.Fill(_positions, -1);
            for (var p = 0; p < _items.Length; p++)
            {
                _positions[_items[p]] = p;
            }
        }

        public int Count => _items.Length;

        public int ItemAt(int position) => _items[position];

        public int PositionOf(int item) => _positions[item];

        /// <summary>XᵀX restricted to the kept items: co-listener counts, listener counts on the diagonal.</summary>
        public Matrix<double> Gram(TrainingIndex index)
        {
            var gram = DenseMatrix.Create(Count, Count, 0.0);
            var positions = new List<int>();
            foreach (var items in index.UserItems)
            {
                positions.Clear();
                foreach (var item in items)
                {
                    if (_positions[item] >= 0)
                    {
                        positions.Add(_positions[item]);
                    }
                }

                foreach (var a in positions)
                {
                    foreach (var b in positions)
                    {
                        gram[a, b] += 1;
                    }
                }
            }

            return gram;
        }
    }
}
