using Encore.Ranking;
using Encore.Recommendations;
using Encore.Similarity;
using Encore.Users;
using Microsoft.Extensions.Logging.Abstractions;

namespace Encore.Grains.Tests.Ranking;

public sealed class RankerTests
{
    [Fact]
    public void TheFeatureVectorOfAHandMadeCandidateIsExact()
    {
        var catalog = TestCatalogs.Synthetic;
        var track = catalog.Tracks[7];
        var otherIndex = Enumerable.Range(8, 100).First(i => catalog.Tracks[i].PrimaryArtist != track.PrimaryArtist);
        var other = catalog.Tracks[otherIndex];
        var strong = new Candidate(7) { ArtistNeighbour = 0.5, TrackNeighbour = 0.25, CoListen = 1, Content = 0.75, Trending = 0.125, GenreAffinity = 1 };
        var weaker = new Candidate(otherIndex) { ArtistNeighbour = 0.75, Content = 0.5, Popular = 1 };

        // Newest first: a session of three plays (the third, a skip, of track 7's artist), then two
        // older sessions; the other candidate's artist last played 5 hours before the latest play.
        var latest = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        var elsewhere = catalog.Tracks.Skip(100).Where(t => t.PrimaryArtist != track.PrimaryArtist && t.PrimaryArtist != other.PrimaryArtist).Take(3).ToArray();
        HistoryPlay[] history =
        [
            new(elsewhere[0].TrackId, latest, false),
            new(elsewhere[1].TrackId, latest.AddMinutes(-10), false),
            new(track.TrackId, latest.AddMinutes(-20), true),
            new(elsewhere[2].TrackId, latest.AddHours(-2), false),
            new(other.TrackId, latest.AddHours(-5), false),
        ];
        var taste = catalog.FeatureVector(7).ToArray().Select(x => x + 2f).ToArray();
        var listener = new UserTaste("u", 99, taste, [], [], [], [], [new("someone else", 4.0), new(track.PrimaryArtist!, 2.0)], history, SessionPlays: 3);
        // Track 7: 6 occurrences, 12 plays of which 3 skips; its artist: 3 occurrences, 24 plays, no skip.
        var counts = new Dictionary<(string, string), long>
        {
            [(ItemKinds.Track, track.TrackId)] = 6,
            [(ItemKinds.TrackPlays, track.TrackId)] = 12,
            [(ItemKinds.TrackSkips, track.TrackId)] = 3,
            [(ItemKinds.Artist, track.PrimaryArtist!)] = 3,
            [(ItemKinds.ArtistPlays, track.PrimaryArtist!)] = 24,
        };
        var context = new FeatureContext(catalog, (kind, id) => counts.GetValueOrDefault((kind, id)), 13, ListenerFeatures.From(listener, catalog));

        var vectors = CandidateFeatures.Build([strong, weaker], context);

        Assert.Equal(CandidateFeatures.Count, CandidateFeatures.Names.Length);
        Assert.Equal(
            [
                0.5f, 0.25f, 0f, 1f, 0.75f, 0.125f, 0f, 1f,
                0.5f, 1f, 0f, 1f, 1f, 1f, 0f, 1f,
                track.Popularity / 100f, MathF.Log(7), 13f, MathF.Log(100),
                0.5f, MathF.Log(4),
            ],
            vectors[0][..22]);
        Assert.Equal(2f, vectors[0][22], 5);
        Assert.Equal([1f, 0.2f, 20 / 60f, 6f, (3 + 1) / (12 + 8f), 1 / (24 + 8f)], vectors[0][23..]);
        Assert.Equal([1f, 0f, 0f, 0f, 0.5f, 0f, 1f, 0f], vectors[1][8..16]);
        Assert.Equal([0f, 0f], vectors[1][20..22]);
        Assert.Equal([0f, 0.2f, 5f, 3f, 1 / 8f, 1 / 8f], vectors[1][23..]);
        Assert.Equal(vectors, CandidateFeatures.Build([strong, weaker], context));
        Assert.Equal(16, CandidateFeatures.SchemaHash.Length);
    }

    [Fact]
    public void AListenerNeverSeenHasNoAffinityNoTasteAndEveryArtistLongAgoAndATrackNeverPlayedHasThePriorSkipRate()
    {
        var catalog = TestCatalogs.Synthetic;
        var context = new FeatureContext(catalog, (_, _) => 0, 0, ListenerFeatures.From(null, catalog));

        var vector = CandidateFeatures.Build([new Candidate(3) { Popular = 1 }], context)[0];

        Assert.Equal([0f, 0f, -1f, 0f, 0f, CandidateFeatures.HoursSinceArtistCap, 1f, 1 / 8f, 1 / 8f], vector[20..]);
    }

    [Theory]
    [InlineData(false, RankerTrainer.LightGbm)]
    [InlineData(true, RankerTrainer.FastTree)]
    public void ATrainedModelRanksThePlantedStrongFeatureFirst(bool fastTreeOnly, string trainer)
    {
        var (model, used) = RankerTrainer.Train(PlantedGroups(seed: 1, count: 150), NullLogger.Instance, fastTreeOnly);
        Assert.Equal(trainer, used);

        // Through the bytes, as a silo loads it: serving scores what training produced.
        var loaded = RankerModel.Load("ranker-1", RankerModel.From("ranker-1", model).ToBytes());
        foreach (var group in PlantedGroups(seed: 2, count: 20))
        {
            var scores = loaded.Score(group.Features);
            Assert.Equal(Planted(group), Array.IndexOf(scores, scores.Max()));
        }
    }

    [Fact]
    public void ThinningKeepsEveryLabelledRowAndTheSameSeededSampleOfTheOthers()
    {
        // 670 candidates, as a warm listener has; 14 of them labelled (1 to 3), the rest not played.
        var ids = Enumerable.Range(0, 670).Select(i => $"track-{i}").ToArray();
        var labels = Enumerable.Range(0, 670).Select(i => i % 50 == 7 ? 1f + i % 3 : 0f).ToArray();
        var group = new TrainingGroup("listener-1", ids, [.. ids.Select((_, i) => new float[] { i })], [.. ids.Select((_, i) => i / 1000.0)], labels,
            new HashSet<string>(["track-7"]), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1));

        var thin = RankerTrainer.Thin(group);

        var kept = thin.Features.Select(f => (int)f[0]).ToArray();
        Assert.Equal(14 + RankerTrainer.UnlabelledPerGroup, kept.Length);
        Assert.Equal(Enumerable.Range(0, 670).Where(i => labels[i] > 0), kept.Where(i => labels[i] > 0));
        Assert.Equal(kept.Order(), kept);
        Assert.Equal(kept.Select(i => ids[i]), thin.TrackIds);
        Assert.Equal(kept.Select(i => labels[i]), thin.Labels);
        Assert.Equal(kept.Select(i => i / 1000.0), thin.HeuristicScores);
        Assert.Same(group.Relevant, thin.Relevant);

        // The same listener's group always thins to the same rows; another listener's to others.
        Assert.Equal(thin.TrackIds, RankerTrainer.Thin(group with { Features = [.. group.Features] }).TrackIds);
        Assert.NotEqual(thin.TrackIds, RankerTrainer.Thin(group with { UserId = "listener-2" }).TrackIds);

        // A group with exactly as many unlabelled rows as the sample (and 4 labelled ones) keeps all of them.
        var n = RankerTrainer.UnlabelledPerGroup + 4;
        var small = group with { TrackIds = ids[..n], Features = group.Features[..n], HeuristicScores = group.HeuristicScores[..n], Labels = labels[..n] };
        Assert.Equal(4, small.Labels.Count(l => l > 0));
        Assert.Same(small, RankerTrainer.Thin(small));
    }

    [Fact]
    public void TheGatePublishesOnlyAModelThatBeatsTheOthersByTheMargin()
    {
        var catalog = TestCatalogs.Synthetic;
        var groups = PlantedGroups(seed: 3, count: 10);
        var perfect = RankerGate.Evaluate(groups, g => [.. g.Labels.Select(l => (double)l)], catalog);
        var reversed = RankerGate.Evaluate(groups, g => [.. g.Labels.Select(l => 3.0 - l)], catalog);

        Assert.Equal(new RankingQuality(1, 1, 10), perfect);
        Assert.True(reversed.Ndcg < 0.5);
        Assert.False(RankerGate.ShouldPublish(reversed, [perfect], 0.02));
        Assert.True(RankerGate.ShouldPublish(perfect, [reversed], 0.02));
        Assert.False(RankerGate.ShouldPublish(new RankingQuality(0.5, 0.505, 10), [new RankingQuality(0.5, 0.5, 10)], 0.02));
        Assert.True(RankerGate.ShouldPublish(new RankingQuality(0.5, 0.51, 10), [new RankingQuality(0.5, 0.5, 10), new RankingQuality(0.4, 0.4, 10)], 0.02));
        Assert.False(RankerGate.ShouldPublish(new RankingQuality(0.4, 0.9, 10), [new RankingQuality(0.5, 0.5, 10)], 0.02));
    }

    [Fact]
    public void CandidateRecallIsTheShareOfRelevantTracksAmongTheCandidatesOverGroupsWithSomethingRelevant()
    {
        TrainingGroup Group(string[] candidates, string[] relevant) => new(
            "u", candidates, [.. candidates.Select(_ => new float[CandidateFeatures.Count])], new double[candidates.Length], new float[candidates.Length],
            relevant.ToHashSet(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        var groups = new[] { Group(["a", "b"], ["a", "x"]), Group(["c"], ["c"]), Group(["d"], []) };

        Assert.Equal(0.75, RankerGate.CandidateRecall(groups));
        Assert.Equal(0, RankerGate.CandidateRecall([groups[2]]));
    }

    [Fact]
    public async Task TrainAndGateRejectsAModelWorseThanTheHeuristic()
    {
        // The heuristic's scores are the labels themselves: no model can beat a perfect list.
        var train = PlantedGroups(seed: 4, count: 100);
        var holdout = PlantedGroups(seed: 5, count: 20).Select(g => g with { HeuristicScores = [.. g.Labels.Select(l => (double)l)] }).ToArray();
        var reserved = await new MemoryModelRegistry().ReserveAsync(DateTimeOffset.UnixEpoch);

        var (info, model) = RankerTrainingService.TrainAndGate(reserved, train, holdout, null, TestCatalogs.Synthetic, new RankerOptions(), NullLogger.Instance);

        Assert.Equal(ModelStatus.Rejected, info.Status);
        Assert.NotNull(model);
        Assert.Equal(1.0, info.Metrics["heuristic.ndcg@20"]);
        Assert.Equal(100, info.Metrics["trainGroups"]);
        Assert.Equal(2000, info.Metrics["trainRows"]);
        Assert.Equal(2000, info.Metrics["fitRows"]);
        Assert.Equal(20, info.Metrics["holdoutGroups"]);
        Assert.Equal(RankerTrainer.LightGbm, info.Trainer);
    }

    [Fact]
    public async Task TheMemoryRegistryKeepsEveryVersionAndServesTheNewestPublished()
    {
        var versions = new MemoryModelRegistry();
        var first = await versions.ReserveAsync(DateTimeOffset.UnixEpoch);
        var second = await versions.ReserveAsync(DateTimeOffset.UnixEpoch.AddHours(1));
        Assert.Equal(("ranker-1", "ranker-2"), (first.Version, second.Version));
        Assert.Null(await versions.GetActiveAsync());

        await versions.CompleteAsync(first with { Status = ModelStatus.Published, Metrics = new() { ["ndcg@20"] = 0.25 } }, [1, 2, 3]);
        await versions.CompleteAsync(second with { Status = ModelStatus.Rejected, Note = "worse" }, [4]);

        var list = await versions.ListAsync();
        Assert.Equal("ranker-1", list.Active);
        Assert.Equal(["ranker-2", "ranker-1"], list.Versions.Select(v => v.Version));
        Assert.Equal([ModelStatus.Rejected, ModelStatus.Published], list.Versions.Select(v => v.Status));
        Assert.Equal(0.25, list.Versions[1].Metrics["ndcg@20"]);
        var active = await versions.GetActiveAsync();
        Assert.Equal("ranker-1", active!.Info.Version);
        Assert.Equal([1, 2, 3], active.Bytes);
        await Assert.ThrowsAsync<ArgumentException>(() => versions.CompleteAsync(first with { Version = "ranker-9" }, null));
    }

    /// <summary>The candidate whose content score is the group's highest.</summary>
    private static int Planted(TrainingGroup group) =>
        Enumerable.Range(0, group.Features.Length).MaxBy(i => group.Features[i][4]);

    /// <summary>
    /// Groups of 20 candidates (tracks of distinct artists) with random features below 0.8, but for one
    /// candidate whose content score is above 0.9: it was completed (3), the runner-up by content played
    /// (2), the rest not played.
    /// </summary>
    private static TrainingGroup[] PlantedGroups(int seed, int count)
    {
        var catalog = TestCatalogs.Synthetic;
        var random = new Random(seed);
        var tracks = Enumerable.Range(0, catalog.Count).DistinctBy(i => catalog.Tracks[i].Artists[0]).Take(2000).ToArray();
        return [.. Enumerable.Range(0, count).Select(g =>
        {
            var chosen = tracks.OrderBy(_ => random.Next()).Take(20).ToArray();
            var features = chosen.Select(_ => Enumerable.Range(0, CandidateFeatures.Count).Select(_ => (float)random.NextDouble() * 0.8f).ToArray()).ToArray();
            features[random.Next(20)][4] = 0.9f + (float)random.NextDouble() * 0.1f;
            var order = Enumerable.Range(0, 20).OrderByDescending(i => features[i][4]).ToArray();
            var labels = new float[20];
            labels[order[0]] = 3;
            labels[order[1]] = 2;
            var ids = chosen.Select(i => catalog.Tracks[i].TrackId).ToArray();
            return new TrainingGroup($"listener-{seed}-{g}", ids, features, [.. features.Select(f => (double)f[0])], labels,
                new HashSet<string>([ids[order[0]], ids[order[1]]]), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1));
        })];
    }
}
