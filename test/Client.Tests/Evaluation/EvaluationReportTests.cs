using System.Text.Json;
using Encore.Client.Evaluation;
using Spectre.Console;

namespace Encore.Client.Tests.Evaluation;

public sealed class EvaluationReportTests
{
    private static readonly EvaluationReport Report = new(
        "lastfm-1k",
        0.2,
        [
            new MethodResult("popularity", EvaluationLevel.Track, 950, [new MetricsAtK(10, 0.25, 0.0125, 0.05, 0.004, 8.5)]),
            new MethodResult("ease", EvaluationLevel.Artist, 990, [new MetricsAtK(10, 0.75, 0.3, 0.4125, 0.35, 10)]),
        ],
        new Dictionary<string, string> { ["ease lambda"] = "500", ["ease max items"] = "2500" });

    [Fact]
    public void JsonIsCamelCaseAndReadsBack()
    {
        var json = Report.ToJson();

        using var document = JsonDocument.Parse(json);
        var first = document.RootElement.GetProperty("results")[0];
        Assert.Equal("lastfm-1k", document.RootElement.GetProperty("dataset").GetString());
        Assert.Equal("track", first.GetProperty("level").GetString());
        Assert.Equal(0.0125, first.GetProperty("atK")[0].GetProperty("recall").GetDouble());
        Assert.Equal("500", document.RootElement.GetProperty("notes").GetProperty("ease lambda").GetString());

        var back = EvaluationReport.FromJson(json);
        Assert.Equal(Report.Dataset, back.Dataset);
        Assert.Equal(Report.Results.SelectMany(r => r.AtK), back.Results.SelectMany(r => r.AtK));
        Assert.Equal(Report.Notes, back.Notes);
    }

    [Fact]
    public void RenderingShowsATablePerLevelAndTheNotes()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;

        Report.Render(console);

        var text = output.ToString();
        Assert.Contains("lastfm-1k", text, StringComparison.Ordinal);
        Assert.Contains("Track level, 950 listeners", text, StringComparison.Ordinal);
        Assert.Contains("Artist level, 990 listeners", text, StringComparison.Ordinal);
        Assert.Contains("NDCG@10", text, StringComparison.Ordinal);
        Assert.Contains("0.4125", text, StringComparison.Ordinal);
        Assert.Contains("ease max items: 2500", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("Track level", StringComparison.Ordinal) < text.IndexOf("Artist level", StringComparison.Ordinal));
    }
}
