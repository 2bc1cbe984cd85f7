using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Encore.Silo.Hosting;

/// <summary>
/// Ready while PostgreSQL runs <c>SELECT 1</c> within <see cref="Timeout"/>, on a connection of the
/// cluster-membership pool: the one the silo cannot do without, and no connection beyond the budget.
/// Registered only when <c>ConnectionStrings:Postgres</c> is set.
/// </summary>
internal sealed class PostgresReadinessCheck(string membershipConnectionString) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var builder = new NpgsqlConnectionStringBuilder(membershipConnectionString);
        try
        {
            await using var connection = new NpgsqlConnection(membershipConnectionString);
            await connection.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy($"PostgreSQL at {builder.Host}:{builder.Port} answered SELECT 1.");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            var why = e is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds} s" : e.Message;
            return HealthCheckResult.Unhealthy($"PostgreSQL at {builder.Host}:{builder.Port} did not answer SELECT 1: {why}.");
        }
    }
}
