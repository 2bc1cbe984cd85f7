using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Encore.Storage.Tests.Infrastructure;

/// <summary>
/// A real silo process (<c>dotnet Silo/bin/&lt;configuration&gt;/net10.0/Encore.Silo.dll</c>, this
/// build) on loopback with its own silo, gateway and HTTP ports, configured through environment
/// variables the way an operator would. Stopped with SIGTERM (then killed if it lingers).
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, int siloPort, Uri baseAddress)
    {
        _process = process;
        SiloPort = siloPort;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public int SiloPort { get; }

    public HttpClient Http { get; }

    /// <summary>What the process wrote so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static SiloProcess Start(string connectionString, string clusterId, int partitions, IDictionary<string, string>? settings = null)
    {
        int siloPort = FreePort(), gatewayPort = FreePort(), httpPort = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(SiloAssembly)!,
        };
        start.ArgumentList.Add(SiloAssembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{httpPort}");
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Orleans__ClusterId"] = clusterId;
        start.Environment["Orleans__ServiceId"] = clusterId;
        start.Environment["Orleans__SiloPort"] = siloPort.ToString();
        start.Environment["Orleans__GatewayPort"] = gatewayPort.ToString();
        start.Environment["Kafka__Partitions"] = partitions.ToString();
        start.Environment["Kafka__BootstrapServers"] = SharedKafka.BootstrapServers;
        start.Environment["Kafka__Topic"] = SharedKafka.TopicFor(clusterId, partitions);
        start.Environment["Kafka__DeadLetterTopic"] = SharedKafka.TopicFor(clusterId, partitions) + ".dlq";
        start.Environment["Catalog__Path"] = "";
        start.Environment["Warehouse__FlushInterval"] = "00:00:00.100";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var silo = new SiloProcess(process, siloPort, new Uri($"http://127.0.0.1:{httpPort}"));
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Waits for /health/ready, failing at once (with the output) if the process exits.</summary>
    public Task WaitReadyAsync(TimeSpan deadline) =>
        Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The silo process exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                return (await Http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, $"silo on port {SiloPort} ready", deadline);

    /// <summary>/api/stats, or zeros while the silo does not answer.</summary>
    public async Task<JsonElement> StatsAsync()
    {
        try
        {
            return await Http.GetFromJsonAsync<JsonElement>("/api/stats");
        }
        catch (HttpRequestException)
        {
            return JsonDocument.Parse("""{"silos":0,"eventsProcessed":0,"replaysSkipped":0}""").RootElement;
        }
    }

    /// <summary>SIGKILL: the process dies at once, with whatever it held only in memory.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM: the silo leaves the cluster gracefully (its membership row turns Dead).
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
            {
                await term.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private static string SiloAssembly
    {
        get
        {
            // This test assembly runs from test/Storage.Tests/bin/<configuration>/net10.0/.
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = here.Parent!.Name;
            var root = here;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Orleans.sln")))
            {
                root = root.Parent;
            }

            var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Orleans.sln not found above " + here.FullName),
                "Silo", "bin", configuration, "net10.0", "Encore.Silo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build the silo first: {path} is missing.", path);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static int FreePort() => FreePorts.Next();
}
