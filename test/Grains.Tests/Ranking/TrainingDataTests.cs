using Encore.Grains.Tests.Cluster;
using Encore.Ranking;

namespace Encore.Grains.Tests.Ranking;

/// <summary>Training groups built from the live grains: the cut-off, the exclusions and the graded labels.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TrainingDataTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AGroupLeavesOutWhatWasHeardBeforeTheCutOffAndGradesWhatCameAfter()
    {
        var catalog = Plays.Catalog;
        var user = $"trainee-{Guid.NewGuid():N}";
        var tracks = catalog.Tracks.Where(t => t.DurationMs > 100_000).Skip(300).Take(20).ToArray();
        var start = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

        // 20 plays, 4 minutes apart: the last 4 (20 %) come after the cut-off: completed, played 60 s,
        // skipped, completed again but a track heard before the cut-off.
        var events = tracks.Take(16).Select((t, i) => Plays.Event(user, t.TrackId, start.AddMinutes(4 * i), t.DurationMs)).ToList();
        events.Add(Plays.Event(user, tracks[16].TrackId, start.AddMinutes(64), tracks[16].DurationMs));
        events.Add(Plays.Event(user, tracks[17].TrackId, start.AddMinutes(68), 60_000));
        events.Add(Plays.Event(user, tracks[18].TrackId, start.AddMinutes(72), 10_000));
        events.Add(Plays.Event(user, tracks[0].TrackId, start.AddMinutes(76), tracks[0].DurationMs));
        await fixture.Client.PublishAndWaitAsync(Plays.At(Plays.NewPartition(), 0, [.. events]));

        var group = await TrainingData.BuildAsync(fixture.Client, catalog, user);

        Assert.NotNull(group);
        Assert.Equal(new HashSet<string> { tracks[16].TrackId, tracks[17].TrackId }, group.Relevant);
        Assert.DoesNotContain(group.TrackIds, id => tracks.Take(16).Any(t => t.TrackId == id));
        var expected = new Dictionary<string, float> { [tracks[16].TrackId] = 3, [tracks[17].TrackId] = 2, [tracks[18].TrackId] = 1 };
        Assert.Equal(group.TrackIds.Select(id => expected.GetValueOrDefault(id)), group.Labels);
        Assert.All(group.Features, f => Assert.Equal(CandidateFeatures.Count, f.Length));
        Assert.All(group.Features, f => Assert.Equal(10f, f[18]));
        Assert.All(group.Features, f => Assert.Equal(MathF.Log(1 + 16), f[19]));
        Assert.Equal((start, start.AddMinutes(76)), (group.WindowStart, group.WindowEnd));
        Assert.NotEmpty(group.TrackIds);
    }
}
