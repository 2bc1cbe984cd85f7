using System.Xml.Linq;
using Encore.Deploy.Tests.Infrastructure;

namespace Encore.Deploy.Tests.Containers;

/// <summary>
/// The Dockerfiles build from what the repository has: every file they copy exists, the restore
/// layer holds every project the published one depends on, and the final image is the right
/// runtime, runs as the non-root app user, and starts the project's own assembly.
/// </summary>
public sealed class DockerfileTests
{
    public static TheoryData<string, string, string> Images => new()
    {
        { "Silo/Dockerfile", "Silo/Silo.csproj", "mcr.microsoft.com/dotnet/aspnet:10.0" },
        { "Client/Dockerfile", "Client/Client.csproj", "mcr.microsoft.com/dotnet/runtime:10.0" },
    };

    public static TheoryData<string, string> Projects => new()
    {
        { "Silo/Dockerfile", "Silo/Silo.csproj" },
        { "Client/Dockerfile", "Client/Client.csproj" },
    };

    public static TheoryData<string> Dockerfiles => ["Silo/Dockerfile", "Client/Dockerfile"];

    [Theory]
    [MemberData(nameof(Images))]
    public void BuildsWithTheSdkAndRunsOnTheRuntimeAsTheAppUser(string dockerfile, string project, string runtime)
    {
        var file = Dockerfile.Load(dockerfile);
        var stages = file.Instructions.Where(i => i.Keyword == "FROM").Select(i => i.Arguments.Split(' ')[0]).ToList();
        Assert.Equal(2, stages.Count);
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", stages[0]);
        Assert.Equal(runtime, stages[1]);

        var final = file.InStage(file.FinalStage).ToList();
        Assert.Equal("$APP_UID", Assert.Single(final, i => i.Keyword == "USER").Arguments);
        Assert.True(final.FindIndex(i => i.Keyword == "USER") < final.FindIndex(i => i.Keyword == "ENTRYPOINT"));
        Assert.DoesNotContain(final, i => i.Keyword == "RUN");

        var assembly = AssemblyName(project);
        Assert.Equal($"[\"dotnet\", \"{assembly}.dll\"]", Assert.Single(final, i => i.Keyword == "ENTRYPOINT").Arguments);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void EveryCopiedPathExists(string dockerfile)
    {
        foreach (var copy in Dockerfile.Load(dockerfile).Instructions.Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal)))
        {
            var parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[..^1])
            {
                var path = Repo.PathOf(source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{dockerfile} copies {source}, which does not exist.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void TheRestoreLayerHasEveryProjectThePublishedOneNeeds(string dockerfile, string project)
    {
        var file = Dockerfile.Load(dockerfile);
        var build = file.InStage(0).ToList();
        var restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        var publish = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal));
        Assert.True(restore >= 0 && publish > restore, $"{dockerfile} restores, then publishes.");
        Assert.Equal($"dotnet restore {project}", build[restore].Arguments);
        Assert.StartsWith($"dotnet publish {project} --no-restore ", build[publish].Arguments, StringComparison.Ordinal);

        var beforeRestore = Copied(build.Take(restore));
        var beforePublish = Copied(build.Take(publish));
        foreach (var needed in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            Assert.Contains(needed, beforeRestore);
        }

        foreach (var dependency in ProjectClosure(project))
        {
            Assert.True(beforeRestore.Contains(dependency), $"{dockerfile} restores before copying {dependency}.");
            var folder = Path.GetDirectoryName(dependency)!.Replace('\\', '/') + "/";
            Assert.True(beforePublish.Contains(folder), $"{dockerfile} publishes without the sources of {folder}.");
        }

        // Only project files before the restore, so that source edits keep the package layer.
        Assert.All(beforeRestore, path => Assert.False(path.EndsWith('/'), $"{dockerfile} copies the folder {path} before restoring."));
    }

    [Fact]
    public void TheSiloImageExposesHttpSiloAndGatewayPorts()
    {
        var http = new Uri(Repo.SiloSettings["Urls"]!).Port;
        var silo = int.Parse(Repo.SiloSettings["Orleans__SiloPort"]!, System.Globalization.CultureInfo.InvariantCulture);
        var gateway = int.Parse(Repo.SiloSettings["Orleans__GatewayPort"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal([8080, 11111, 30000], new[] { http, silo, gateway });
        Assert.Equal(new HashSet<int> { http, silo, gateway }, Dockerfile.Load("Silo/Dockerfile").ExposedPorts());
    }

    [Fact]
    public void TheDockerIgnoreFileKeepsBuildOutputOutAndSourcesIn()
    {
        var patterns = Repo.Read(".dockerignore").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('#'))
            .ToHashSet();
        foreach (var excluded in new[] { "**/bin/", "**/obj/", ".git/", "test/", "gha-creds-*.json" })
        {
            Assert.Contains(excluded, patterns);
        }

        var copied = new[] { "Silo/Dockerfile", "Client/Dockerfile" }
            .SelectMany(d => Copied(Dockerfile.Load(d).InStage(0)))
            .Select(p => p.TrimEnd('/'));
        Assert.All(copied, path => Assert.DoesNotContain(patterns, p => p.TrimEnd('/') == path || p.TrimEnd('/') == path.Split('/')[0]));
    }

    private static HashSet<string> Copied(IEnumerable<DockerInstruction> instructions)
    {
        var copied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var copy in instructions.Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--", StringComparison.Ordinal)))
        {
            var parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var destination = parts[^1];
            foreach (var source in parts[..^1])
            {
                // COPY a b ./ keeps names at the root; COPY Dir/x.csproj Dir/ keeps its folder.
                copied.Add(destination is "./" or "." ? source : source.EndsWith('/') ? destination : destination + Path.GetFileName(source));
            }
        }
        return copied;
    }

    /// <summary>The project and everything it references, transitively, as repository paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }
            var directory = Path.GetDirectoryName(Repo.PathOf(current))!;
            foreach (var reference in XDocument.Load(Repo.PathOf(current)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar)));
                pending.Push(Path.GetRelativePath(Repo.Root, full).Replace('\\', '/'));
            }
        }
        return seen;
    }

    private static string AssemblyName(string project) =>
        XDocument.Load(Repo.PathOf(project)).Descendants("AssemblyName").SingleOrDefault()?.Value
        ?? Path.GetFileNameWithoutExtension(project);
}
