using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace Encore.Ranking;

/// <summary>
/// A fitted LightGBM or FastTree ranking model evaluated straight from flat arrays: every tree's splits
/// in one node array, every leaf value in another. It computes what the ML.NET transformer computes
/// (each tree's leaf for the row, times the tree's weight, summed in double, plus the bias, as a float)
/// without building a data view or a cursor, so scoring a list costs its tree walks and nothing else.
/// Immutable, so any number of threads may score at once.
/// </summary>
public sealed class TreeEnsembleScorer
{
    private readonly Node[] _nodes;
    private readonly double[] _leaves;

    // Where each tree starts: a node index, or ~leaf for a tree that is a single leaf.
    private readonly int[] _roots;
    private readonly double _bias;

    private TreeEnsembleScorer(Node[] nodes, double[] leaves, int[] roots, double bias)
    {
        _nodes = nodes;
        _leaves = leaves;
        _roots = roots;
        _bias = bias;
    }

    /// <summary>
    /// The ensemble inside <paramref name="transformer"/>, or null with the reason it cannot be scored
    /// directly: another kind of model, steps before the model, a categorical split, a feature index
    /// outside the vector of <paramref name="featureCount"/>.
    /// </summary>
    public static TreeEnsembleScorer? TryExtract(ITransformer transformer, int featureCount, out string? reason)
    {
        if (transformer is TransformerChain<ITransformer> chain)
        {
            var steps = chain.ToArray();
            if (steps.Length != 1)
            {
                reason = $"the model is a chain of {steps.Length} transformers, not one predictor";
                return null;
            }

            transformer = steps[0];
        }

        if (transformer is not IPredictionTransformer<object> { Model: TreeEnsembleModelParametersBasedOnRegressionTree model })
        {
            reason = $"{transformer.GetType().Name} is not a prediction transformer over a tree ensemble";
            return null;
        }

        var ensemble = model.TrainedTreeEnsemble;
        var nodes = new List<Node>();
        var leaves = new List<double>();
        var roots = new int[ensemble.Trees.Count];
        for (var t = 0; t < roots.Length; t++)
        {
            var tree = ensemble.Trees[t];
            var weight = ensemble.TreeWeights[t];
            int nodeBase = nodes.Count, leafBase = leaves.Count;
            for (var n = 0; n < tree.NumberOfNodes; n++)
            {
                if (tree.CategoricalSplitFlags[n])
                {
                    reason = $"tree {t} has a categorical split at node {n}";
                    return null;
                }

                var feature = tree.NumericalSplitFeatureIndexes[n];
                if (feature < 0 || feature >= featureCount)
                {
                    reason = $"tree {t} splits on feature {feature}, outside the {featureCount} the ranker builds";
                    return null;
                }

                nodes.Add(new Node(feature, tree.NumericalSplitThresholds[n], Relocate(tree.LeftChild[n], nodeBase, leafBase), Relocate(tree.RightChild[n], nodeBase, leafBase)));
            }

            // The weight is folded in once here: the same product the transformer computes per row.
            foreach (var value in tree.LeafValues)
            {
                leaves.Add(value * weight);
            }

            roots[t] = tree.NumberOfNodes > 0 ? nodeBase : ~leafBase;
        }

        reason = null;
        return new TreeEnsembleScorer([.. nodes], [.. leaves], roots, ensemble.Bias);
    }

    /// <summary>
    /// One score per vector into <paramref name="scores"/>. Returns false, having written nothing
    /// meaningful, when a vector holds a NaN: the transformer sends a missing value down a branch these
    /// arrays do not record, so such a list must be scored by it.
    /// </summary>
    public bool TryScore(float[][] features, Span<float> scores)
    {
        var nodes = _nodes;
        var leaves = _leaves;
        var roots = _roots;
        for (var r = 0; r < features.Length; r++)
        {
            var row = features[r];
            foreach (var x in row)
            {
                if (float.IsNaN(x))
                {
                    return false;
                }
            }

            var sum = 0.0;
            foreach (var root in roots)
            {
                var at = root;
                while (at >= 0)
                {
                    ref readonly var node = ref nodes[at];
                    at = row[node.Feature] <= node.Threshold ? node.Left : node.Right;
                }

                sum += leaves[~at];
            }

            scores[r] = (float)(sum + _bias);
        }

        return true;
    }

    /// <summary>A child of a tree's own numbering (node i, or ~leaf j) in the ensemble's.</summary>
    private static int Relocate(int child, int nodeBase, int leafBase) => child >= 0 ? child + nodeBase : ~(~child + leafBase);

    /// <summary>One split: rows whose feature is at most the threshold go left.</summary>
    private readonly record struct Node(int Feature, float Threshold, int Left, int Right);
}
