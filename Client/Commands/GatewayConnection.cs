using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Spectre.Console;

namespace Encore.Client.Commands;

/// <summary>Connects the query verbs to a silo's gateway with the Orleans client SDK.</summary>
internal static class GatewayConnection
{
    public const string DefaultGateway = "localhost:30000";

    public static Option<string> GatewayOption() => new("--gateway")
    {
        Description = "The silo gateway to connect to, host:port",
        DefaultValueFactory = _ => DefaultGateway,
    };

    public static Option<string> ClusterIdOption() => new("--cluster-id")
    {
        Description = "Orleans cluster id of the silos",
        DefaultValueFactory = _ => "dev",
    };

    public static Option<string> ServiceIdOption() => new("--service-id")
    {
        Description = "Orleans service id of the silos",
        DefaultValueFactory = _ => "encore",
    };

    /// <summary>Adds the connection options to a verb.</summary>
    public static Command WithGatewayOptions(this Command command)
    {
        command.Options.Add(GatewayOption());
        command.Options.Add(ClusterIdOption());
        command.Options.Add(ServiceIdOption());
        return command;
    }

    /// <summary>
    /// Runs <paramref name="query"/> with a connected client; prints a one-line error and returns 1
    /// when the gateway cannot be reached.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<IClusterClient, CancellationToken, Task<int>> query, CancellationToken cancellationToken)
    {
        var gateway = parse.GetValue<string>("--gateway") ?? DefaultGateway;
        IPEndPoint endpoint;
        try
        {
            endpoint = await ResolveAsync(gateway, cancellationToken);
        }
        catch (Exception exception) when (exception is FormatException or SocketException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Bad --gateway '{gateway}':[/] {exception.Message}");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder();
        // The verbs print tables and their own one-line errors; framework logs would only clutter them.
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client
            .UseStaticClustering(endpoint)
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = parse.GetValue<string>("--cluster-id") ?? "dev";
                o.ServiceId = parse.GetValue<string>("--service-id") ?? "encore";
            }));
        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Cannot reach the silo gateway at {gateway}:[/] {exception.Message}");
            return 1;
        }

        try
        {
            return await query(host.Services.GetRequiredService<IClusterClient>(), cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<IPEndPoint> ResolveAsync(string gateway, CancellationToken cancellationToken)
    {
        var colon = gateway.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(gateway[(colon + 1)..], out var port) || port is < 1 or > 65535)
        {
            throw new FormatException("expected host:port, e.g. localhost:30000");
        }

        var host = gateway[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new FormatException($"host '{host}' has no address");
        return new IPEndPoint(chosen, port);
    }
}
