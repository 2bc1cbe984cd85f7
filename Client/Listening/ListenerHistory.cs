using Encore.Events;

namespace Encore.Client.Listening;

/// <summary>One listener's plays mapped to catalog tracks, in time order (playlist order for MPD).</summary>
public sealed record ListenerHistory(string UserId, IReadOnlyList<ListeningEvent> Plays);
