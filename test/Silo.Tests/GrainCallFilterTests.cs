using Microsoft.Extensions.DependencyInjection;

namespace Encore.Silo.Tests;

/// <summary>
/// Orleans' activity propagation adds a filter to every grain call. A silo installs it only when it
/// makes spans (an OTLP endpoint, or Telemetry:Spans, as the default test silo sets for TracingTests).
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class GrainCallFilterTests(SecuredSiloFixture silo)
{
    [Fact]
    public void ASiloThatMakesNoSpansCallsGrainsWithoutFilters()
    {
        Assert.Empty(silo.Services.GetServices<IOutgoingGrainCallFilter>());
        Assert.DoesNotContain(silo.Services.GetServices<IIncomingGrainCallFilter>(), f => f.GetType().Name.Contains("ActivityPropagation", StringComparison.Ordinal));
    }
}

[Collection(SiloCollection.Name)]
public sealed class SpanMakingSiloTests(SiloFixture silo)
{
    [Fact]
    public void ASiloThatMakesSpansPropagatesTheirContextThroughGrainCalls() =>
        Assert.Contains(silo.Services.GetServices<IOutgoingGrainCallFilter>(), f => f.GetType().Name.Contains("ActivityPropagation", StringComparison.Ordinal));
}
