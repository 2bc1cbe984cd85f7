using System.Diagnostics;

namespace Encore.Streams.Kafka.Tests;

/// <summary>Waits for a condition, checking it until a deadline: no test waits a fixed time.</summary>
internal static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var elapsed = Stopwatch.StartNew();
        while (!condition())
        {
            if (elapsed.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0.#} s waiting until {what()}.");
            }

            await Task.Delay(PollInterval);
        }
    }
}
