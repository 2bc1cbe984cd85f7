namespace Encore.Storage.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline instead of sleeping a guessed time.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? Deadline;
        using var timeout = new CancellationTokenSource(limit);
        while (!await condition())
        {
            try
            {
                await Task.Delay(20, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Gave up waiting after {limit.TotalSeconds} s for: {what}");
            }
        }
    }
}
