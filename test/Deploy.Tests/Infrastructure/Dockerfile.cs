namespace Encore.Deploy.Tests.Infrastructure;

internal sealed record DockerInstruction(string Keyword, string Arguments, int Stage);

/// <summary>A Dockerfile as a list of instructions (continuations joined, comments dropped).</summary>
internal sealed class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<DockerInstruction> instructions)
    {
        Path = path;
        Instructions = instructions;
    }

    public string Path { get; }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public int FinalStage => Instructions.Max(i => i.Stage);

    public IEnumerable<DockerInstruction> InStage(int stage) => Instructions.Where(i => i.Stage == stage);

    public static Dockerfile Load(string relativePath)
    {
        var instructions = new List<DockerInstruction>();
        var stage = -1;
        var pending = "";
        foreach (var raw in Repo.Read(relativePath).Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (pending.Length == 0 && line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var text = (pending + line).Trim();
            pending = "";
            if (text.Length == 0)
            {
                continue;
            }

            var split = text.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (split < 0 ? text : text[..split]).ToUpperInvariant();
            var arguments = split < 0 ? "" : text[(split + 1)..].Trim();
            if (keyword == "FROM")
            {
                stage++;
            }
            instructions.Add(new DockerInstruction(keyword, arguments, stage));
        }

        return new Dockerfile(relativePath, instructions);
    }

    /// <summary>The ports the final image declares with EXPOSE.</summary>
    public IReadOnlySet<int> ExposedPorts() => InStage(FinalStage)
        .Where(i => i.Keyword == "EXPOSE")
        .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Select(p => int.Parse(p.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture))
        .ToHashSet();
}
