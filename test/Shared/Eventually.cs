namespace Encore.Tests;

/// <summary>
/// Waits for a condition, checking it until a deadline, instead of sleeping a guessed time. Every test
/// project compiles this one file (a linked source, see each test csproj).
/// </summary>
internal static class Eventually
{
    /// <summary>Long enough for a cluster on a busy 2-core machine; a test that needs longer says so.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Task TrueAsync(Func<bool> condition, Func<string> what, TimeSpan? deadline = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, deadline);

    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null) =>
        TrueAsync(condition, () => what, deadline);

    /// <summary>
    /// Checks <paramref name="condition"/> every 20 ms until it holds; a <see cref="TimeoutException"/>
    /// after <paramref name="deadline"/> (default <see cref="DefaultDeadline"/>) names <paramref name="what"/>,
    /// which is called only then, so it can show the last state seen.
    /// </summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
        using var timeout = new CancellationTokenSource(limit);
        while (!await condition())
        {
            try
            {
                await Task.Delay(PollInterval, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Gave up waiting after {limit.TotalSeconds:0.#} s for: {what()}");
            }
        }
    }
}
