using Encore.Client.Evaluation;

namespace Encore.Client.Tests.Evaluation;

internal static class TrainingData
{
    /// <summary>Listeners written as "user: item item …", items in time order.</summary>
    public static ListenerItems[] Of(params string[] lines) =>
        lines.Select(line =>
        {
            var (user, items) = (line[..line.IndexOf(':')], line[(line.IndexOf(':') + 1)..]);
            return new ListenerItems(user, items.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }).ToArray();

    /// <summary>
    /// A deterministic, uneven data set: listener u plays items whose number is a multiple-ish pattern of u,
    /// so that items differ in popularity and co-occurrence without any random generator.
    /// </summary>
    public static ListenerItems[] Generated(int listeners, int items) =>
        Enumerable.Range(0, listeners).Select(u => new ListenerItems(
            $"u{u:D3}",
            Enumerable.Range(0, 3 + u % 5).Select(n => $"i{(u * 7 + n * n * 3 + n * (u % 3)) % items:D3}").ToArray())).ToArray();
}
