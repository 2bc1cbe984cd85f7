using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Encore.Silo.Hosting;

/// <summary>
/// Ready while this silo is Active in the cluster's membership: before it has joined, and once it is
/// shutting down or declared dead, grain calls it forwards may fail.
/// </summary>
internal sealed class MembershipReadinessCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(silo.SiloAddress);
        var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"Silo {silo.SiloAddress} is Active; {active} active silos in the cluster.")
            : HealthCheckResult.Unhealthy($"Silo {silo.SiloAddress} is {status} in the cluster membership, not Active."));
    }
}
