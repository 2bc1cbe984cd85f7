using System.Net;
using System.Net.Sockets;
using Encore.Silo.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Encore.Silo.Tests;

/// <summary>The PostgreSQL readiness check against a server that is there and one that is not.</summary>
public sealed class PostgresReadinessCheckTests
{
    [Fact]
    public async Task NoServerIsUnhealthyWithTheReason()
    {
        // A port nothing listens on: the connection is refused at once.
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = await new PostgresReadinessCheck($"Host=127.0.0.1;Port={port};Username=encore;Database=encore")
            .CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.StartsWith($"PostgreSQL at 127.0.0.1:{port} did not answer SELECT 1: ", result.Description);
    }

    [PostgresServerFact]
    public async Task ARunningServerIsHealthy()
    {
        var result = await new PostgresReadinessCheck(PostgresServerFactAttribute.ConnectionString!).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.EndsWith(" answered SELECT 1.", result.Description);
    }
}

/// <summary>A fact that needs the PostgreSQL server ./test.sh starts and names in ENCORE_TEST_POSTGRES; skipped without one.</summary>
public sealed class PostgresServerFactAttribute : FactAttribute
{
    public static string? ConnectionString => Environment.GetEnvironmentVariable("ENCORE_TEST_POSTGRES");

    public PostgresServerFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            Skip = "No PostgreSQL server: ENCORE_TEST_POSTGRES is not set (./test.sh starts one).";
        }
    }
}
