using Encore.Pipeline;
using Encore.Similarity;
using Encore.Storage.Tests.Infrastructure;
using Encore.Tracks;
using Encore.Users;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Encore.Storage.Tests;

/// <summary>Test clusters of three silos with membership, grain state and reminders in PostgreSQL.</summary>
public sealed class ClusterTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    [PostgresFact]
    public async Task ThreeSilosFormOneClusterThroughPostgresMembership()
    {
        await using var cluster = await PostgresCluster.StartAsync(database.ConnectionString, "membership");
        var clusterId = cluster.Options.ClusterId;

        var hosts = await cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(cluster.Silos.Select(s => s.SiloAddress).Order(), hosts.Keys.Order());
        foreach (var silo in cluster.Silos.Cast<InProcessSiloHandle>())
        {
            var view = silo.ServiceProvider.GetRequiredService<IClusterMembershipService>().CurrentSnapshot;
            Assert.Equal(3, view.Members.Values.Count(m => m.Status == SiloStatus.Active));
        }

        var rows = await TestPostgres.RowsAsync(database.ConnectionString,
            $"SELECT address, port, status, proxy_port > 0 FROM orleans.membership WHERE cluster_id = '{clusterId}' ORDER BY port");
        Assert.Equal(
            cluster.Silos.Select(s => ("127.0.0.1", s.SiloAddress.Endpoint.Port, 3, true)).OrderBy(r => r.Port),
            rows.Select(r => ((string)r[0]!, (int)r[1]!, (int)r[2]!, (bool)r[3]!)));

        // A silo that leaves is marked dead (status 6) and bumps the table version; the cleanup query
        // then removes it and leaves the live ones.
        var leaving = cluster.Silos[1];
        var versionBefore = await TestPostgres.ScalarAsync<int>(database.ConnectionString,
            $"SELECT version FROM orleans.membership_version WHERE cluster_id = '{clusterId}'");
        await cluster.StopSiloAsync(leaving);
        Assert.Equal(6, await TestPostgres.ScalarAsync<int>(database.ConnectionString,
            $"SELECT status FROM orleans.membership WHERE cluster_id = '{clusterId}' AND port = {leaving.SiloAddress.Endpoint.Port}"));
        Assert.True(await TestPostgres.ScalarAsync<int>(database.ConnectionString,
            $"SELECT version FROM orleans.membership_version WHERE cluster_id = '{clusterId}'") > versionBefore);

        var table = ((InProcessSiloHandle)cluster.Silos[0]).ServiceProvider.GetRequiredService<IMembershipTable>();
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        var remaining = await TestPostgres.RowsAsync(database.ConnectionString,
            $"SELECT port, status FROM orleans.membership WHERE cluster_id = '{clusterId}' ORDER BY port");
        Assert.Equal(
            cluster.Silos.Where(s => s != leaving).Select(s => (s.SiloAddress.Endpoint.Port, 3)).OrderBy(r => r.Port),
            remaining.Select(r => ((int)r[0]!, (int)r[1]!)));
    }

    [PostgresFact]
    public async Task GrainStateSurvivesAFullClusterRestartWithExactCounts()
    {
        const int Partition = 3;
        const string User = "restart-listener";
        var track = Plays.Tracks(1, skip: 500)[0];
        var settings = new Dictionary<string, string>
        {
            // Write every 50 changes, never on the timer: what is durable is then exactly predictable.
            ["FeatureState:WriteEveryEvents"] = "50",
            ["FeatureState:WriteInterval"] = "01:00:00",
        };

        // 120 skips (10 s each, so no co-listens) of one track in batches of 10, then two resends.
        var events = Enumerable.Range(0, 120).Select(i => Plays.Event(User, track, Now.AddMinutes(-200 + i), msPlayed: 10_000)).ToArray();
        var cluster = await PostgresCluster.StartAsync(database.ConnectionString, "restart", settings: settings);
        try
        {
            for (var batch = 0; batch < 12; batch++)
            {
                await cluster.Client.PublishAndWaitAsync(Plays.At(Partition, batch * 10, events[(batch * 10)..((batch + 1) * 10)]));
            }

            await cluster.Client.PublishAndWaitAsync(Plays.At(Partition, 120, events[0], events[1]));

            // The count grains (plays and skips per track and artist) and the track's co-occurrence bucket
            // (which holds its plays) write every 50 000 changes or on the timer, so until then they hold
            // every offset back; asked to write now, they do.
            await Task.WhenAll(
            [
                .. ItemKinds.PlayCounts.Select(kind => cluster.Client.GetGrain<IOccurrenceCountsGrain>(kind).FlushAsync(Partition)),
                cluster.Client.BucketOf(ItemKinds.Track, track).FlushAsync(Partition),
            ]);

            // The user grain wrote twice (after 50 and 100 changes), not once per event, and the
            // partition declares durable exactly what it wrote: offsets below 100.
            var partition = cluster.Client.GetGrain<IPartitionGrain>(Partition);
            await Eventually.TrueAsync(async () => (await partition.GetStatusAsync()).DeclaredNextOffset == 100, "offsets below 100 declared durable");
            var status = await partition.GetStatusAsync();
            Assert.Equal(122, status.NextOffset);
            Assert.Equal(1, status.UndurableGrains);
            Assert.Equal([(Bucket, 1), ("user", 2)], await StateVersionsAsync("restart"));
        }
        finally
        {
            // A graceful stop: every grain writes what it still holds as it deactivates.
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }

        // The bucket had nothing new since it was asked to write; the user had 22 more changes.
        Assert.Equal([(Bucket, 1), ("user", 3)], await StateVersionsAsync("restart"));

        await using var restarted = await PostgresCluster.StartAsync(database.ConnectionString, "restart", settings: settings);
        var client = restarted.Client;
        await AssertCountsAsync(plays: 120, duplicates: 2);

        // The applied offsets came back with the state: a replay of offsets 0-9 changes nothing...
        await client.PublishAsync(Plays.At(Partition, 0, events[..10]));
        await Eventually.TrueAsync(
            async () => (await client.GetGrain<IPartitionGrain>(Partition).GetStatusAsync()).ReplaysSkipped == 10, "the replay was processed");
        await AssertCountsAsync(plays: 120, duplicates: 2);

        // ...and new offsets count on from where the first cluster stopped.
        var more = Enumerable.Range(0, 10).Select(i => Plays.Event(User, track, Now.AddMinutes(-50 + i), msPlayed: 10_000)).ToArray();
        await client.PublishAndWaitAsync(Plays.At(Partition, 122, more));
        await AssertCountsAsync(plays: 130, duplicates: 2);

        // One warehouse row per distinct event, whatever was resent or replayed.
        await Eventually.TrueAsync(
            async () => await TestPostgres.ScalarAsync<long>(database.ConnectionString, $"SELECT count(*) FROM warehouse.play_events WHERE user_id = '{User}'") == 130,
            "130 warehouse rows");
        Assert.Equal(130L, await TestPostgres.ScalarAsync<long>(database.ConnectionString,
            $"SELECT sum(plays)::bigint FROM warehouse.track_hourly WHERE track_id = '{track}'"));

        async Task AssertCountsAsync(int plays, int duplicates)
        {
            var profile = await client.GetGrain<IUserGrain>(User).GetProfileAsync();
            Assert.NotNull(profile);
            Assert.Equal(plays, profile.Plays);
            Assert.Equal(plays, profile.Skips);
            Assert.Equal(duplicates, profile.DuplicatesDropped);
            var view = await client.GetGrain<ITrackGrain>(track).GetAsync();
            Assert.NotNull(view);
            Assert.Equal(plays, view.Plays);
            Assert.Equal(plays, view.Skips);
            Assert.Equal(plays, await client.GetGrain<IOccurrenceCountsGrain>(ItemKinds.TrackPlays).GetCountAsync(track));
            Assert.Equal(plays, await client.GetGrain<IOccurrenceCountsGrain>(ItemKinds.TrackSkips).GetCountAsync(track));
        }
    }

    [PostgresFact]
    public async Task RemindersRoundTripThroughPostgres()
    {
        await using var cluster = await PostgresCluster.StartAsync(database.ConnectionString, "reminders", silos: 1);
        var table = ((InProcessSiloHandle)cluster.Silos[0]).ServiceProvider.GetRequiredService<IReminderTable>();
        var grain = GrainId.Create("reminder-test", "one");
        var hash = (int)grain.GetUniformHashCode();
        var start = new DateTime(2026, 11, 25, 10, 15, 30, 123, DateTimeKind.Utc);

        var first = (await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "tick", StartAt = start, Period = TimeSpan.FromMinutes(5) }))!;
        var second = (await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "tick", StartAt = start, Period = TimeSpan.FromHours(36) }))!;
        Assert.NotEqual(first, second);

        var row = await table.ReadRow(grain, "tick");
        Assert.NotNull(row);
        Assert.Equal((grain, "tick", start, TimeSpan.FromHours(36), second), (row.GrainId, row.ReminderName, row.StartAt, row.Period, row.ETag));
        Assert.Null(await table.ReadRow(grain, "other"));
        Assert.Equal([second], (await table.ReadRows(grain)).Reminders.Select(r => r.ETag));

        // The ring range (begin, end] that holds the grain's hash, without and with wrapping around.
        Assert.Single((await table.ReadRows(unchecked((uint)(hash - 1)), unchecked((uint)hash))).Reminders);
        Assert.Single((await table.ReadRows(unchecked((uint)(hash + 1)), unchecked((uint)hash))).Reminders);
        Assert.Empty((await table.ReadRows(unchecked((uint)hash), unchecked((uint)(hash + 1)))).Reminders);

        Assert.False(await table.RemoveRow(grain, "tick", first));
        Assert.True(await table.RemoveRow(grain, "tick", second));
        Assert.Empty((await table.ReadRows(grain)).Reminders);
    }

    /// <summary>The state name of the co-occurrence buckets: grain storage's grain type column.</summary>
    private const string Bucket = "cooccurrences";

    /// <summary>The state versions of the user grains and co-occurrence buckets of <paramref name="serviceId"/>.</summary>
    private async Task<(string Type, int Version)[]> StateVersionsAsync(string serviceId) =>
        [.. (await TestPostgres.RowsAsync(database.ConnectionString,
                $"SELECT grain_type, version FROM orleans.grain_state WHERE service_id = '{serviceId}' AND grain_type IN ('{Bucket}', 'user') ORDER BY grain_type"))
            .Select(r => ((string)r[0]!, (int)r[1]!))];
}
