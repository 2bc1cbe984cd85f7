using System.CommandLine;
using System.Net;
using System.Text;
using Encore.Client.Commands;
using Encore.Client.Evaluation;
using Encore.Client.Tests.Listening;
using Spectre.Console;
using static Encore.Client.Tests.Listening.TestData;

namespace Encore.Client.Tests.Commands;

public sealed class EvaluateCommandTests
{
    // Four listeners; with --holdout 0.5 the last half of each is held out.
    //   u1 trains on Halo, Hoppípolla and holds out Stronger, Otis.
    //   u2 trains on Heartless, Stronger and holds out Heartless (not relevant: in training), Drunk in Love.
    //   u3 trains on Halo and holds out Halo: nothing relevant at either level.
    //   u4 has one play: not evaluated, and not produced.
    private static readonly (string User, string Track, int Day)[] Plays =
    [
        ("u1", Halo, 1), ("u1", Hoppipolla, 2), ("u1", Stronger, 3), ("u1", Otis, 4),
        ("u2", Heartless, 1), ("u2", Stronger, 2), ("u2", Heartless, 3), ("u2", DrunkInLove, 4),
        ("u3", Halo, 1), ("u3", Halo, 2),
        ("u4", Otis, 1),
    ];

    // What the live API answers; training items come back too, and must be dropped by the evaluation.
    private static readonly Dictionary<string, string[]> Live = new()
    {
        ["u1"] = [Halo, Otis, DrunkInLove, Stronger],
        ["u2"] = [Stronger, Halo, DrunkInLove],
        ["u3"] = [Otis],
    };

    [Theory]
    [InlineData("--dataset", "csv:/data")]
    [InlineData("--dataset", "mpd:")]
    [InlineData("--dataset", "1:/data")]
    [InlineData("--api", "localhost:8080")]
    [InlineData("--api", "ftp://host/")]
    [InlineData("--holdout", "0")]
    [InlineData("--holdout", "1")]
    [InlineData("--k", "0")]
    [InlineData("--k", "101")]
    [InlineData("--k", "10,10")]
    [InlineData("--k", "ten")]
    [InlineData("--users", "0")]
    [InlineData("--timeout", "soon")]
    [InlineData("--baselines", "svd")]
    [InlineData("--baselines", "ease,none")]
    [InlineData("--baselines", ",")]
    public void OutOfRangeOptionsAreRejected(string option, string value)
    {
        var result = Root().Parse(["evaluate", "--dataset", "synthetic", "--api", "http://localhost:8080", "--bootstrap", "b", option, value]);

        Assert.NotEmpty(result.Errors);
    }

    [Theory]
    [InlineData("--dataset")]
    [InlineData("--api")]
    [InlineData("--bootstrap")]
    public void TheDatasetTheApiAndTheBootstrapServersAreRequired(string left)
    {
        string[] all = ["--dataset", "synthetic", "--api", "http://localhost:8080", "--bootstrap", "b"];
        var args = all.Chunk(2).Where(pair => pair[0] != left).SelectMany(pair => pair);

        Assert.NotEmpty(Root().Parse(["evaluate", .. args]).Errors);
    }

    [Theory]
    [InlineData("synthetic", null, null, "synthetic")]
    [InlineData("MPD:/data/mpd", "Mpd", "/data/mpd", "mpd:/data/mpd")]
    [InlineData("spotify: /home/me/export ", "Spotify", "/home/me/export", "spotify:/home/me/export")]
    [InlineData("jsonl:plays.jsonl", "Jsonl", "plays.jsonl", "jsonl:plays.jsonl")]
    public void DatasetsAreAFormatAndAPathOrSynthetic(string text, string? format, string? path, string name)
    {
        Assert.True(EvaluationDataset.TryParse(text, out var dataset, out _));

        Assert.Equal((format, path, name), (dataset!.Format?.ToString(), dataset.Path, dataset.Name));
    }

    [Fact]
    public async Task TheLiveRowIsScoredOnTheHeldOutPlaysAtBothLevels()
    {
        using var scratch = new ScratchDirectory();
        var (catalog, data, report) = WriteDataset(scratch);
        var api = new StubApi(produced: 5);
        var (console, output) = TestConsoles.Create();

        var exitCode = await Root(console, api).Parse(
        [
            "evaluate", "--dataset", $"jsonl:{data}", "--api", "http://encore.test:8080", "--catalog", catalog, "--holdout", "0.5", "--k", "1,2",
            "--json", report, "--bootstrap", "mock", "-X", "test.mock.num.brokers=1",
        ]).InvokeAsync();

        Assert.True(exitCode == 0, output.ToString());
        Assert.Equal(
            ["api/users/u1/recommendations?count=100", "api/users/u2/recommendations?count=100", "api/users/u3/recommendations?count=100"],
            api.RecommendationRequests.Order());
        var results = EvaluationReport.FromJson(await File.ReadAllTextAsync(report)).Results;
        var discount2 = 1 / Math.Log2(3);

        // Track level. u1: [Otis, Drunk in Love, Stronger] against {Stronger, Otis}; u2: [Halo, Drunk in Love] against
        // {Drunk in Love}. Training items: Halo, Hoppípolla, Heartless, Stronger (4).
        var track = results.Single(r => r.Method == "encore" && r.Level == EvaluationLevel.Track);
        Assert.Equal(2, track.Listeners);
        AssertMetrics(new MetricsAtK(1, 0.5, 0.25, 0.5, 2 / 4.0, 1), track.AtK[0]);
        AssertMetrics(new MetricsAtK(2, 1, (0.5 + 1) / 2, (1 / (1 + discount2) + discount2) / 2, 3 / 4.0, (2 + 1) / 2.0), track.AtK[1]);

        // Artist level. u1: [Jay-Z, Kanye West] against {Kanye West, Jay-Z}; u2: [Beyoncé] against {Beyoncé}.
        // Training artists: Beyoncé, Sigur Rós, Kanye West (3).
        var artist = results.Single(r => r.Method == "encore" && r.Level == EvaluationLevel.Artist);
        Assert.Equal(2, artist.Listeners);
        AssertMetrics(new MetricsAtK(1, 1, (0.5 + 1) / 2, 1, 2 / 3.0, 1), artist.AtK[0]);
        AssertMetrics(new MetricsAtK(2, 1, 1, 1, 3 / 3.0, (2 + 1) / 2.0), artist.AtK[1]);

        // The baselines are scored on the same listeners.
        Assert.Equal(
            ["encore", "popularity", "item-knn", "ease", "encore", "popularity", "item-knn", "ease"],
            results.Select(r => r.Method));
        Assert.All(results, r => Assert.Equal(2, r.Listeners));
    }

    [Fact]
    public async Task NoProduceMeasuresTheSystemAgainWithoutTouchingKafka()
    {
        using var scratch = new ScratchDirectory();
        var (catalog, data, report) = WriteDataset(scratch);
        var api = new StubApi(produced: 0);
        var (console, output) = TestConsoles.Create();

        // Nothing listens at 127.0.0.1:1: producing would fail.
        var exitCode = await Root(console, api).Parse(
        [
            "evaluate", "--dataset", $"jsonl:{data}", "--api", "http://encore.test:8080", "--catalog", catalog, "--holdout", "0.5", "--k", "1,2",
            "--json", report, "--bootstrap", "127.0.0.1:1", "--no-produce",
        ]).InvokeAsync();

        Assert.True(exitCode == 0, output.ToString());
        Assert.Equal(3, api.RecommendationRequests.Count);
        var evaluation = EvaluationReport.FromJson(await File.ReadAllTextAsync(report));
        Assert.Equal("none (--no-produce: already in the live system)", evaluation.Notes["training plays produced"]);
        Assert.Equal(2, evaluation.Results.Single(r => r.Method == "encore" && r.Level == EvaluationLevel.Track).Listeners);
    }

    [Theory]
    [InlineData("ease, popularity", new[] { "encore", "popularity", "ease" })]
    [InlineData("none", new[] { "encore" })]
    public async Task BaselinesLeftOutAreNotComputed(string baselines, string[] methods)
    {
        using var scratch = new ScratchDirectory();
        var (catalog, data, report) = WriteDataset(scratch);
        var (console, output) = TestConsoles.Create();

        var exitCode = await Root(console, new StubApi(produced: 0)).Parse(
        [
            "evaluate", "--dataset", $"jsonl:{data}", "--api", "http://encore.test:8080", "--catalog", catalog, "--holdout", "0.5", "--k", "1,2",
            "--json", report, "--bootstrap", "127.0.0.1:1", "--no-produce", "--baselines", baselines,
        ]).InvokeAsync();

        Assert.True(exitCode == 0, output.ToString());
        var evaluation = EvaluationReport.FromJson(await File.ReadAllTextAsync(report));
        Assert.Equal([.. methods, .. methods], evaluation.Results.Select(r => r.Method));
        Assert.Equal(methods.Contains("ease"), evaluation.Notes.ContainsKey("ease lambda (track)"));
    }

    [Fact]
    public async Task AnApiThatCannotBeReachedStopsTheRunBeforeAnythingIsProduced()
    {
        var api = new StubApi(produced: 0) { Unreachable = true };
        var (console, output) = TestConsoles.Create();

        var exitCode = await Root(console, api).Parse(
            ["evaluate", "--dataset", "synthetic", "--users", "2", "--api", "http://encore.test:8080", "--bootstrap", "127.0.0.1:1"]).InvokeAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains("Cannot reach the Encore API at http://encore.test:8080/: Connection refused", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheApiKeyIsSentInXApiKey()
    {
        var api = new StubApi(produced: 0) { Unreachable = true };
        var (console, _) = TestConsoles.Create();

        await Root(console, api).Parse(
            ["evaluate", "--dataset", "synthetic", "--users", "2", "--api", "http://encore.test:8080", "--api-key", "key-of-the-evaluation", "--bootstrap", "127.0.0.1:1"]).InvokeAsync();

        Assert.Equal(["key-of-the-evaluation"], api.ApiKeys);
    }

    [Fact]
    public void ProcessingIsDoneWhenTheCountGrewByWhatWasProducedOrWhenOnlyResendsAreMissingAndItIsQuiet()
    {
        var before = Stats(1_000, 10);
        var watch = new ProcessingWatch(before, produced: 100, TimeSpan.FromSeconds(60));
        var quietOne = new ProcessingWatch(before, produced: 100, TimeSpan.FromSeconds(60));

        Assert.Equal(ProcessingState.Waiting, watch.Observe(Stats(1_050, 10), TimeSpan.Zero));
        Assert.Equal(ProcessingState.Processed, watch.Observe(Stats(1_100, 30), TimeSpan.FromSeconds(1)));

        // 95 processed, of which 5 resends: 95 >= 100 - 5, and then five seconds without a change.
        Assert.Equal(ProcessingState.Waiting, quietOne.Observe(Stats(1_095, 15), TimeSpan.FromSeconds(1)));
        Assert.Equal(ProcessingState.Waiting, quietOne.Observe(Stats(1_095, 15), TimeSpan.FromSeconds(5.9)));
        Assert.Equal(ProcessingState.Quiet, quietOne.Observe(Stats(1_095, 15), TimeSpan.FromSeconds(6)));
    }

    [Fact]
    public void ProcessingThatStopsShortOfWhatWasProducedTimesOut()
    {
        var watch = new ProcessingWatch(Stats(0, 0), produced: 100, TimeSpan.FromSeconds(60));

        Assert.Equal(ProcessingState.Waiting, watch.Observe(Stats(90, 5), TimeSpan.FromSeconds(30)));
        Assert.Equal(ProcessingState.Waiting, watch.Observe(Stats(90, 5), TimeSpan.FromSeconds(59)));
        Assert.Equal(ProcessingState.TimedOut, watch.Observe(Stats(90, 5), TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void AListIsTakenToTheLevelWithoutRepeatsOrTrainingItemsAndCut()
    {
        var list = LevelScoring.Normalize(["a", null, "b", "a", "c", "d", "e"], new HashSet<string> { "c" }, 3);

        Assert.Equal(["a", "b", "d"], list);
    }

    [Fact]
    public void TheSampleDependsOnlyOnTheSeedAndTheUserIds()
    {
        var listeners = Enumerable.Range(0, 50).Select(i => new Encore.Client.Listening.ListenerHistory($"u{i}", [])).ToArray();

        var sample = EvaluationDataset.Sample(listeners, 10, seed: 7).Select(l => l.UserId).ToArray();
        var again = EvaluationDataset.Sample(listeners.Reverse(), 10, seed: 7).Select(l => l.UserId).ToArray();
        var other = EvaluationDataset.Sample(listeners, 10, seed: 8).Select(l => l.UserId).ToArray();

        Assert.Equal(10, sample.Distinct().Count());
        Assert.Equal(sample, again);
        Assert.NotEqual(sample.Order(), other.Order());
    }

    private static void AssertMetrics(MetricsAtK expected, MetricsAtK actual)
    {
        Assert.Equal(expected.K, actual.K);
        Assert.Equal(expected.HitRate, actual.HitRate, 12);
        Assert.Equal(expected.Recall, actual.Recall, 12);
        Assert.Equal(expected.Ndcg, actual.Ndcg, 12);
        Assert.Equal(expected.Coverage, actual.Coverage, 12);
        Assert.Equal(expected.DistinctArtists, actual.DistinctArtists, 12);
    }

    private static Stats.PipelineStatsSnapshot Stats(long processed, long duplicates) => new(processed, duplicates, 0, 0, 0, [], 1);

    private static RootCommand Root(IAnsiConsole? console = null, HttpMessageHandler? handler = null) =>
        new() { EvaluateCommand.Create(console, handler) };

    /// <summary>
    /// The live API: stats that show <c>produced</c> more events processed from the second call on, and the
    /// fixed lists of <see cref="Live"/>.
    /// </summary>
    /// <summary>The catalog, <see cref="Plays"/> as events of the contract, and where the report goes.</summary>
    private static (string Catalog, string Data, string Report) WriteDataset(ScratchDirectory scratch) => (
        scratch.Write("tracks.csv", CatalogCsv()),
        scratch.Write("plays.jsonl", string.Join('\n', Plays.Select((p, i) =>
            $$"""{"eventId":"e{{i}}","userId":"{{p.User}}","trackId":"{{p.Track}}","ts":"2025-01-0{{p.Day}}T12:00:00Z","msPlayed":200000}"""))),
        Path.Combine(scratch.Path, "report.json"));

    private sealed class StubApi(long produced) : HttpMessageHandler
    {
        private int _statsCalls;

        public bool Unreachable { get; init; }

        public List<string> RecommendationRequests { get; } = [];

        /// <summary>The X-API-Key of each request, in order.</summary>
        public List<string> ApiKeys { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (ApiKeys)
            {
                ApiKeys.AddRange(request.Headers.TryGetValues("X-API-Key", out var keys) ? keys : []);
            }

            if (Unreachable)
            {
                throw new HttpRequestException("Connection refused (encore.test:8080)");
            }

            var path = request.RequestUri!.PathAndQuery.TrimStart('/');
            if (path == "api/stats")
            {
                var processed = 1_000 + (Interlocked.Increment(ref _statsCalls) > 1 ? produced : 0);
                return Json($$"""{"eventsProcessed":{{processed}},"eventsRejected":0,"duplicatesDropped":0,"replaysSkipped":0,"eventsPerSecond":0,"partitions":[],"silos":1}""");
            }

            lock (RecommendationRequests)
            {
                RecommendationRequests.Add(path);
            }

            var user = path.Split('/')[2];
            var items = string.Join(',', Live[user].Select(id => $$"""{"trackId":"{{id}}","trackName":"t","artists":["a"],"genres":[],"score":1,"reasons":[]}"""));
            return Json($$"""{"userId":"{{user}}","modelVersion":"heuristic-v1","items":[{{items}}]}""");
        }

        private static Task<HttpResponseMessage> Json(string body) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}
