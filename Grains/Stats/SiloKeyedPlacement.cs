using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Encore.Stats;

/// <summary>
/// Places a grain on the silo its key names (<c>SiloAddress.ToParsableString()</c>), so that a grain
/// per silo can read that silo's local services.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloKeyedPlacement : PlacementStrategy
{
    internal static SiloKeyedPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloKeyedPlacementAttribute() : PlacementAttribute(SiloKeyedPlacement.Instance);

internal sealed class SiloKeyedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        var silo = SiloAddress.FromParsableString(key);
        return context.GetCompatibleSilos(target).Contains(silo)
            ? Task.FromResult(silo)
            : throw new OrleansException($"Silo {key} is not an active silo of this cluster; its stats grain cannot be placed.");
    }
}
