using Encore.Pipeline;
using Microsoft.Extensions.Options;

namespace Encore.Grains.Tests.Pipeline;

public sealed class BatchGateTests
{
    [Fact]
    public async Task ABatchPastTheBoundWaitsForOneToFinishAndTheFirstToWaitGoesFirst()
    {
        var gate = new BatchGate(Options.Create(new PipelineOptions { BatchesInFlight = 2 }));
        var first = await gate.EnterAsync();
        var second = await gate.EnterAsync();
        var third = gate.EnterAsync().AsTask();
        var fourth = gate.EnterAsync().AsTask();
        Assert.False(third.IsCompleted);
        Assert.False(fourth.IsCompleted);

        first.Dispose();
        var entered = await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(fourth.IsCompleted);

        second.Dispose();
        entered.Dispose();
        (await fourth.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task ZeroMeansNoBound()
    {
        var gate = new BatchGate(Options.Create(new PipelineOptions { BatchesInFlight = 0 }));
        var slots = new List<BatchGate.Slot>();
        for (var i = 0; i < 1_000; i++)
        {
            var entering = gate.EnterAsync();
            Assert.True(entering.IsCompleted);
            slots.Add(await entering);
        }

        slots.ForEach(s => s.Dispose());
    }
}
