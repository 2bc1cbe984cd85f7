namespace Encore.Client.Evaluation;

/// <summary>
/// One listener's training items at one level, in time order. Duplicates are allowed; the baselines treat
/// the items as a binary set.
/// </summary>
public sealed record ListenerItems(string UserId, IReadOnlyList<string> Items);
