// The ranker's costs: fitting LambdaRank on as many rows as a training over 1 000 000 plays produces,
// and what scoring a candidate list with the model adds to a recommendation request.
//
//   dotnet run -c Release --project bench/Ranker.Benchmarks -- [groups 3061] [candidates 660] [requests 2000] [ranked 200]
//
// The defaults are the shape of the training measured end to end on 1 000 000 synthetic plays
// (docs/ranker.md): 3 061 training listeners with ~660 candidates each, 0.6 % of them labelled
// (played or skipped after the cut-off). Features are random with a planted signal, so the fit does
// real work. RankerTrainer.Train thins each group as a real training does (every labelled row, a
// seeded sample of the others); the benchmark prints both row counts. The scoring path is the
// recommender's: CandidateFeatures.Build over real Candidate objects, the scores, then the artist
// discount, over lists of `ranked` candidates. It is timed twice, scoring through the ML.NET
// transformer (one data view per list, as serving did before) and through the trees directly (what
// RankerModel.Score does now); the benchmark checks that both give the same scores first.
using System.Diagnostics;
using Encore.Catalog;
using Encore.Ranking;
using Encore.Recommendations;
using Encore.Users;
using Microsoft.Extensions.Logging.Abstractions;

var groups = args.Length > 0 ? int.Parse(args[0]) : 3_061;
var candidates = args.Length > 1 ? int.Parse(args[1]) : 660;
var requests = args.Length > 2 ? int.Parse(args[2]) : 2_000;
var ranked = args.Length > 3 ? int.Parse(args[3]) : 200;
var random = new Random(1);
var catalog = TrackCatalog.Synthetic();
static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

var training = Enumerable.Range(0, groups).Select(g =>
{
    var features = Enumerable.Range(0, candidates).Select(_ => Enumerable.Range(0, CandidateFeatures.Count).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
    var labels = features.Select(f => f[0] + 0.5f * f[3] + 0.3f * (float)random.NextDouble()).Select((s, i) =>
        s > 1.67f ? 3f : s > 1.64f ? 2f : features[i][1] > 0.9985f ? 1f : 0f).ToArray();
    return new TrainingGroup($"g{g}", new string[candidates], features, new double[candidates], labels, new HashSet<string>(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
}).ToArray();
var thinned = training.Select(g => RankerTrainer.Thin(g)).ToArray();
var fitted = thinned.Sum(g => g.Labels.Length);
Console.WriteLine($"training: {groups:N0} groups x {candidates} candidates = {groups * candidates:N0} rows ({training.Sum(g => g.Labels.Count(l => l > 0)):N0} labelled), "
    + $"{fitted:N0} fitted after thinning, {CandidateFeatures.Count} features; load average {Load()}");
var process = Process.GetCurrentProcess();
var cpu = process.TotalProcessorTime;
var fit = Stopwatch.StartNew();
var (transformer, trainer) = RankerTrainer.Train(thinned, NullLogger.Instance);
process.Refresh();
Console.WriteLine($"trained with {trainer} in {fit.Elapsed.TotalSeconds:F1} s ({(process.TotalProcessorTime - cpu).TotalSeconds:F1} s of CPU); load average {Load()}");

var model = RankerModel.Load("bench", RankerModel.From("bench", transformer).ToBytes());
// A warm listener as the user grain describes one: 64 recent plays, 64 artist affinities, a taste vector.
var history = Enumerable.Range(0, 64).Select(i => new HistoryPlay(catalog.Tracks[random.Next(catalog.Count)].TrackId, DateTimeOffset.UnixEpoch.AddMinutes(-4 * i), i % 7 == 0)).ToArray();
var listener = new UserTaste("bench", 250, [.. Enumerable.Range(0, TrackCatalog.FeatureCount).Select(_ => (float)random.NextDouble())], [], [], [], [],
    [.. history.Select(p => catalog.Tracks[catalog.IndexOf(p.TrackId)].PrimaryArtist).OfType<string>().Distinct().Select((a, i) => new Affinity(a, 1.0 / (1 + i)))], history);
var occurrences = Enumerable.Range(0, 1_000).Select(_ => (long)random.Next(100)).ToArray();
long Counts(string kind, string id) => occurrences[((kind + id).GetHashCode() & 0x7fffffff) % occurrences.Length];

// Per request, as RecommendationGrain builds it: the listener's features are derived again each time.
FeatureContext Context() => new(catalog, Counts, 12, ListenerFeatures.From(listener, catalog));
var lists = Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, ranked).Select(_ => new Candidate(random.Next(catalog.Count))
{
    ArtistNeighbour = random.NextDouble(),
    TrackNeighbour = random.NextDouble() < 0.5 ? random.NextDouble() : 0,
    CoListen = random.NextDouble() < 0.3 ? random.NextDouble() : 0,
    Content = random.NextDouble(),
    Popular = random.NextDouble() < 0.2 ? 1 : 0,
    GenreAffinity = random.NextDouble(),
}).DistinctBy(c => c.TrackIndex).ToArray()).ToArray();

double[] Time(Func<Candidate[], int> run)
{
    for (var i = 0; i < 200; i++)
    {
        run(lists[i % lists.Length]);
    }

    var times = new double[requests];
    for (var i = 0; i < requests; i++)
    {
        var started = Stopwatch.GetTimestamp();
        run(lists[i % lists.Length]);
        times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    Array.Sort(times);
    return times;
}

float[][][] vectors = [.. lists.Select(pool => CandidateFeatures.Build(pool, Context()))];
var worst = vectors.Max(v => model.Score(v).Zip(model.ScoreWithTransformer(v), (a, b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-30f)).Max());
Console.WriteLine($"the model's trees scored directly: {model.ScoresTrees}; largest relative difference from the transformer over {vectors.Sum(v => v.Length):N0} rows: {worst:G3}");

// The model's path as RecommendationGrain runs it: vectors, scores in 0..1, the artist discount.
int Ranked(Candidate[] pool, Func<float[][], double[]> score)
{
    var unit = score(CandidateFeatures.Build(pool, Context()));
    var scores = new Dictionary<Candidate, double>(pool.Length);
    for (var i = 0; i < pool.Length; i++)
    {
        scores[pool[i]] = unit[i];
    }

    return HeuristicRanker.Rank(pool, catalog, 20, c => scores[c]).Count;
}

var heuristic = Time(pool => HeuristicRanker.Rank(pool, catalog, 20).Count);
var transformed = Time(pool => Ranked(pool, f => [.. model.ScoreWithTransformer(f).Select(s => 1.0 / (1.0 + Math.Exp(-s)))]));
var direct = Time(pool => Ranked(pool, model.ScoreUnit));
var scoreOnly = Time(pool => model.ScoreUnit(vectors[Array.IndexOf(lists, pool)]).Length);
string P(double[] t, double q) => $"{t[(int)Math.Min(t.Length - 1, q * t.Length)]:F3}";
Console.WriteLine($"ranking {ranked} candidates to 20, {requests:N0} requests, ms; load average {Load()}:");
void Line(string what, double[] t) => Console.WriteLine($"  {what,-56} p50 {P(t, 0.5)}  p99 {P(t, 0.99)}");
Line("heuristic", heuristic);
Line("model, ML.NET transformer (features, score, discount)", transformed);
Line("model, trees directly (features, score, discount)", direct);
Line("the trees' scoring alone (vectors built beforehand)", scoreOnly);
