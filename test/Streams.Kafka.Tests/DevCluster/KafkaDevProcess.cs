using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Encore.Streams.Kafka.Tests.DevCluster;

/// <summary>The client's <c>kafka-dev</c> verb running as a child process, the way a developer runs it.</summary>
internal sealed class KafkaDevProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly ConcurrentQueue<string> _output;

    private KafkaDevProcess(Process process, DirectoryInfo directory, ConcurrentQueue<string> output, string bootstrapServers)
    {
        _process = process;
        _directory = directory;
        _output = output;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    /// <summary>Everything the process wrote so far, stdout and stderr interleaved.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    public static async Task<KafkaDevProcess> StartAsync(int brokers, int partitions, TimeSpan timeout)
    {
        var clientDll = ClientDll();
        var directory = Directory.CreateTempSubdirectory("encore-kafka-dev-");
        var bootstrapFile = Path.Combine(directory.FullName, "bootstrap.txt");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            clientDll, "kafka-dev",
            "--brokers", brokers.ToString(), "--partitions", partitions.ToString(),
            "--bootstrap-file", bootstrapFile,
        })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new ConcurrentQueue<string>();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => output.Enqueue(line.Data ?? string.Empty);
        process.ErrorDataReceived += (_, line) => output.Enqueue(line.Data ?? string.Empty);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await Eventually.TrueAsync(
                () => File.Exists(bootstrapFile) || process.HasExited,
                () => $"kafka-dev writes {bootstrapFile}; its output so far: {string.Join(Environment.NewLine, output)}",
                timeout);
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"kafka-dev exited with {process.ExitCode} before writing its bootstrap file:{Environment.NewLine}" +
                    string.Join(Environment.NewLine, output));
            }

            return new KafkaDevProcess(process, directory, output, (await File.ReadAllTextAsync(bootstrapFile)).Trim());
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            directory.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Sends SIGTERM, as a service manager or Kubernetes would, and returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _directory.Delete(recursive: true);
    }

    private static string ClientDll()
    {
        var configured = typeof(KafkaDevProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "EncoreClientDll").Value!;
        var path = Path.GetFullPath(configured);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The client is not built at {path}; build Orleans.sln first.", path);
    }

    private static string DotnetHost()
    {
        // The CLI tells child processes which dotnet runs them; a test host started some other way is
        // usually the dotnet muxer itself.
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath)
        {
            return hostPath;
        }

        return Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
    }
}
