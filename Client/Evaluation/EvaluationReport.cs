using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Encore.Client.Evaluation;

/// <summary>
/// The whole result of <c>encore evaluate</c>: one row per method and level. Rendered as one table per level
/// (methods as rows, HR/Recall/NDCG/Coverage/Artists@K as columns) or written as camelCase JSON.
/// </summary>
/// <param name="Dataset">The data set's name.</param>
/// <param name="Holdout">The share of each listener's items held out for testing.</param>
/// <param name="Results">The rows; their order is kept within each level.</param>
/// <param name="Notes">
/// Settings a reader needs to reproduce the run, shown under the tables in key order. Put the EASE λ and item
/// cap here (for instance "ease lambda" and "ease max items"), along with anything else that shaped the figures.
/// </param>
public sealed record EvaluationReport(string Dataset, double Holdout, IReadOnlyList<MethodResult> Results, IReadOnlyDictionary<string, string> Notes)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Writes the title, one table per level present (track first), and the notes.</summary>
    public void Render(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.MarkupLine($"[bold]Evaluation of {Markup.Escape(Dataset)}[/], last {Number(Holdout * 100, "0.#")} % of each listener held out");
        foreach (var level in Enum.GetValues<EvaluationLevel>())
        {
            var rows = Results.Where(r => r.Level == level).ToArray();
            if (rows.Length > 0)
            {
                console.Write(Table(level, rows));
            }
        }

        foreach (var (key, value) in Notes.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            console.MarkupLine($"{Markup.Escape(key)}: {Markup.Escape(value)}");
        }
    }

    /// <summary>The report as indented camelCase JSON, levels as "track" / "artist".</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a report written by <see cref="ToJson"/>, to compare runs.</summary>
    public static EvaluationReport FromJson(string json) =>
        JsonSerializer.Deserialize<EvaluationReport>(json, JsonOptions) ?? throw new JsonException("The JSON holds no report.");

    private static Table Table(EvaluationLevel level, MethodResult[] rows)
    {
        // Methods scored on different listener counts (a live call failed, say) are not quite comparable; the column shows it.
        var listeners = rows.Select(r => r.Listeners).Distinct().ToArray();
        var table = new Table()
            .Title($"{level} level, {(listeners.Length == 1 ? Number(listeners[0], "N0") : "varying")} listeners")
            .AddColumn("Method")
            .AddColumn(new TableColumn("Listeners").RightAligned());
        var ks = rows.SelectMany(r => r.AtK.Select(m => m.K)).Distinct().Order().ToArray();
        foreach (var k in ks)
        {
            foreach (var name in new[] { "HR", "Recall", "NDCG", "Coverage", "Artists" })
            {
                table.AddColumn(new TableColumn($"{name}@{k}").RightAligned());
            }
        }

        foreach (var row in rows)
        {
            var cells = new List<string> { Markup.Escape(row.Method), Number(row.Listeners, "N0") };
            foreach (var k in ks)
            {
                var m = row.AtK.FirstOrDefault(a => a.K == k);
                cells.AddRange(m is null
                    ? Enumerable.Repeat("-", 5)
                    : [Number(m.HitRate, "0.0000"), Number(m.Recall, "0.0000"), Number(m.Ndcg, "0.0000"), Number(m.Coverage, "0.0000"), Number(m.DistinctArtists, "0.00")]);
            }

            table.AddRow(cells.ToArray());
        }

        return table;
    }

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
