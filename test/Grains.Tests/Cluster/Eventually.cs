namespace Encore.Grains.Tests.Cluster;

/// <summary>Waits for a condition with a deadline instead of sleeping a guessed time.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? Deadline);
        while (!await condition())
        {
            try
            {
                await Task.Delay(10, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Gave up waiting after {(deadline ?? Deadline).TotalSeconds} s for: {what}");
            }
        }
    }
}
