using System.Text.RegularExpressions;
using Encore.Storage.Tests.Infrastructure;
using Encore.Warehouse;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Encore.Storage.Tests;

/// <summary>The warehouse sink on its own, against a migrated database.</summary>
public sealed class WarehouseSinkTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        if (TestPostgres.ServerConnectionString is not null)
        {
            await new MigrationRunner(database.ConnectionString).ApplyAsync();
            await TestPostgres.ScalarAsync<int>(database.ConnectionString,
                "TRUNCATE warehouse.play_events, warehouse.track_hourly, warehouse.genre_hourly, warehouse.served_recommendations; SELECT 1");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [PostgresFact]
    public async Task RowsEqualDistinctEventsAfterResendsAndReplays()
    {
        await using var sink = NewSink();
        sink.Start();
        var tracks = Plays.Tracks(4, skip: 700);
        var originals = Enumerable.Range(0, 100)
            .Select(i => Plays.Event($"listener-{i % 7}", tracks[i % 4], Hour.AddMinutes(i), msPlayed: i % 5 == 0 ? 5_000 : 200_000))
            .ToArray();
        var fresh = Enumerable.Range(0, 30).Select(i => Plays.Event("listener-fresh", tracks[i % 4], Hour.AddMinutes(100 + i))).ToArray();

        await sink.WritePlaysAsync(0, Rows(0, 0, originals));
        await sink.WritePlaysAsync(0, Rows(0, 0, originals));                    // a replay of the same offsets
        await sink.WritePlaysAsync(0, Rows(0, 100, [.. originals[..20], .. fresh])); // resent eventIds at new offsets
        await sink.WritePlaysAsync(1, Rows(1, 0, [.. fresh[..5], .. fresh[..5]]));   // the same event twice in one batch
        await sink.FlushAsync();

        var all = originals.Concat(fresh).ToArray();
        Assert.Equal(130L, await Scalar("SELECT count(*) FROM warehouse.play_events"));
        Assert.Equal(130L, await Scalar("SELECT count(DISTINCT event_id) FROM warehouse.play_events"));
        Assert.Equal(130L, sink.Stats.EventsInserted);
        Assert.Equal(260L, sink.Stats.EventsQueued);

        // A resent event keeps the partition and offset it was first written with.
        Assert.Equal(0L, await Scalar($"SELECT kafka_offset FROM warehouse.play_events WHERE event_id = '{originals[0].EventId}'"));
        Assert.Equal(120L, await Scalar($"SELECT kafka_offset FROM warehouse.play_events WHERE event_id = '{fresh[0].EventId}'"));

        // The hourly tables count each distinct event once, in its UTC hour of event time.
        var expectedByTrack = all.GroupBy(e => (Hour: Truncate(e.Ts), e.TrackId))
            .Select(g => (g.Key.Hour, g.Key.TrackId, (long)g.Count(), (long)g.Count(e => e.IsSkip), g.Sum(e => e.MsPlayed)))
            .OrderBy(r => r.Hour).ThenBy(r => r.TrackId, StringComparer.Ordinal);
        var byTrack = await TestPostgres.RowsAsync(database.ConnectionString,
            "SELECT hour, track_id, plays, skips, ms_played FROM warehouse.track_hourly ORDER BY hour, track_id COLLATE \"C\"");
        Assert.Equal(expectedByTrack, byTrack.Select(r => (new DateTimeOffset((DateTime)r[0]!), (string)r[1]!, (long)r[2]!, (long)r[3]!, (long)r[4]!)));

        var expectedByGenre = all.SelectMany(e => Plays.Catalog.Tracks[Plays.Catalog.IndexOf(e.TrackId)].Genres.Select(g => (Hour: Truncate(e.Ts), Genre: g, e)))
            .GroupBy(x => (x.Hour, x.Genre))
            .Select(g => (g.Key.Hour, g.Key.Genre, (long)g.Count(), (long)g.Count(x => x.e.IsSkip)))
            .OrderBy(r => r.Hour).ThenBy(r => r.Genre, StringComparer.Ordinal);
        var byGenre = await TestPostgres.RowsAsync(database.ConnectionString,
            "SELECT hour, genre, plays, skips FROM warehouse.genre_hourly ORDER BY hour, genre COLLATE \"C\"");
        Assert.Equal(expectedByGenre, byGenre.Select(r => (new DateTimeOffset((DateTime)r[0]!), (string)r[1]!, (long)r[2]!, (long)r[3]!)));

        Assert.Equal(long.MaxValue, sink.DurableNextOffset(0));
        Assert.Equal(long.MaxValue, sink.DurableNextOffset(1));
    }

    [ControlledPostgresFact]
    public async Task ADatabaseThatGoesAwayDelaysTheSinkButLosesNothing()
    {
        await using var sink = NewSink();
        sink.Start();
        var tracks = Plays.Tracks(3, skip: 900);
        var events = Enumerable.Range(0, 400).Select(i => Plays.Event($"outage-{i % 11}", tracks[i % 3], Hour.AddSeconds(i))).ToArray();

        await sink.WritePlaysAsync(2, Rows(2, 0, events[..100]));
        await sink.FlushAsync();
        Assert.Equal(100L, await Scalar("SELECT count(*) FROM warehouse.play_events"));

        var options = TestPostgres.StopServer();
        try
        {
            // While the database is away the sink keeps taking batches, and the partition's durable
            // offset stays at the first one it has not written.
            await sink.WritePlaysAsync(2, Rows(2, 100, events[100..250]));
            await sink.WritePlaysAsync(2, Rows(2, 250, events[250..]));
            sink.RecordServed(new ServedRecommendation("outage-0", "heuristic-v1", [tracks[0]], [0.5], Hour));
            Assert.Equal(100, sink.DurableNextOffset(2));
            await Eventually.TrueAsync(() => Task.FromResult(sink.Stats.FailedAttempts >= 2), "two failed write attempts");
            Assert.Equal(100, sink.DurableNextOffset(2));
        }
        finally
        {
            TestPostgres.StartServer(options);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await sink.FlushAsync(deadline.Token);

        Assert.Equal(400L, await Scalar("SELECT count(*) FROM warehouse.play_events"));
        Assert.Equal(400L, await Scalar("SELECT sum(plays)::bigint FROM warehouse.track_hourly"));
        Assert.Equal(1L, await Scalar("SELECT count(*) FROM warehouse.served_recommendations"));
        Assert.Equal(long.MaxValue, sink.DurableNextOffset(2));
        Assert.Equal(400L, sink.Stats.EventsInserted);
    }

    [PostgresFact]
    public async Task APartitionWaitsWhileTheBufferIsFull()
    {
        await using var sink = NewSink(bufferRows: 10);
        var events = Enumerable.Range(0, 25).Select(i => Plays.Event("pressure", Plays.Tracks(1)[0], Hour.AddSeconds(i))).ToArray();

        // Not started: ten rows fit, the eleventh waits for room.
        var write = sink.WritePlaysAsync(4, Rows(4, 0, events)).AsTask();
        Assert.False(write.IsCompleted);
        Assert.Equal(0, sink.DurableNextOffset(4));

        sink.Start();
        await write.WaitAsync(TimeSpan.FromSeconds(30));
        await sink.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(25L, await Scalar("SELECT count(*) FROM warehouse.play_events"));
    }

    [PostgresFact]
    public async Task ServedRecommendationsAreRecordedInRankOrder()
    {
        await using var sink = NewSink();
        sink.Start();
        var tracks = Plays.Tracks(3, skip: 1200);

        sink.RecordServed(new ServedRecommendation("served-1", "heuristic-v1", tracks, [0.9, 0.5, 0.25], Hour.AddMinutes(1)));
        sink.RecordServed(new ServedRecommendation("served-2", "ranker-7", [tracks[2]], [0.125], Hour.AddMinutes(2)));
        await sink.FlushAsync();

        var rows = await TestPostgres.RowsAsync(database.ConnectionString,
            "SELECT user_id, model_version, track_ids, scores, served_at FROM warehouse.served_recommendations ORDER BY served_at");
        Assert.Equal(2, rows.Count);
        Assert.Equal(("served-1", "heuristic-v1", Hour.AddMinutes(1)), ((string)rows[0][0]!, (string)rows[0][1]!, new DateTimeOffset((DateTime)rows[0][4]!)));
        Assert.Equal(tracks, (string[])rows[0][2]!);
        Assert.Equal([0.9, 0.5, 0.25], (double[])rows[0][3]!);
        Assert.Equal(("served-2", "ranker-7", Hour.AddMinutes(2)), ((string)rows[1][0]!, (string)rows[1][1]!, new DateTimeOffset((DateTime)rows[1][4]!)));
        Assert.Equal([tracks[2]], (string[])rows[1][2]!);
        Assert.Equal([0.125], (double[])rows[1][3]!);
        Assert.Equal(2L, sink.Stats.ServedWritten);
    }

    [PostgresFact]
    public async Task TheQueriesInTheDocsAnswerFromTheHourlyTables()
    {
        await using var sink = NewSink();
        sink.Start();
        var tracks = Plays.Tracks(3, skip: 1500);
        var now = DateTimeOffset.UtcNow;

        // Plays 1, 20 and 30 hours ago: the last is outside the 24-hour top list, inside the others.
        var plays = new (int Ago, int Track, int Count)[] { (1, 0, 5), (20, 1, 3), (20, 0, 2), (30, 2, 7) }
            .SelectMany(p => Enumerable.Range(0, p.Count).Select(i =>
                Plays.Event($"docs-{i}", tracks[p.Track], now.AddHours(-p.Ago).AddSeconds(-i), msPlayed: i % 2 == 0 ? 10_000 : 200_000)))
            .ToArray();
        await sink.WritePlaysAsync(5, Rows(5, 0, plays));
        await sink.FlushAsync();

        var queries = DocumentedQueries();
        Assert.Equal(3, queries.Length);

        var top = await TestPostgres.RowsAsync(database.ConnectionString, queries[0]);
        var expectedTop = plays.Where(e => e.Ts > now.AddHours(-24)).GroupBy(e => e.TrackId)
            .Select(g => (g.Key, (long)g.Count(), (long)g.Count(e => e.IsSkip)))
            .OrderByDescending(r => r.Item2).ThenBy(r => r.Key, StringComparer.Ordinal);
        Assert.Equal(expectedTop, top.Select(r => ((string)r[0]!, (long)(decimal)r[1]!, (long)(decimal)r[2]!)));

        var skipRates = await TestPostgres.RowsAsync(database.ConnectionString, queries[1]);
        var expectedRates = plays.SelectMany(e => Plays.Catalog.Tracks[Plays.Catalog.IndexOf(e.TrackId)].Genres.Select(g => (Genre: g, e)))
            .GroupBy(x => x.Genre)
            .Select(g => (g.Key, (long)g.Count(), Math.Round((decimal)g.Count(x => x.e.IsSkip) / g.Count(), 3)))
            .OrderByDescending(r => r.Item2).ThenBy(r => r.Key, StringComparer.Ordinal);
        Assert.Equal(expectedRates, skipRates.Select(r => ((string)r[0]!, (long)(decimal)r[1]!, (decimal)r[2]!)));

        var perHour = await TestPostgres.RowsAsync(database.ConnectionString, queries[2]);
        var expectedHours = plays.GroupBy(e => Truncate(e.Ts)).OrderBy(g => g.Key)
            .Select(g => (g.Key, (long)g.Count(), (long)g.Count(e => e.IsSkip)));
        Assert.Equal(expectedHours, perHour.Select(r => (new DateTimeOffset((DateTime)r[0]!), (long)(decimal)r[1]!, (long)(decimal)r[2]!)));
    }

    /// <summary>The ```sql blocks of docs/postgres.md, in order.</summary>
    private static string[] DocumentedQueries()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Orleans.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Orleans.sln not found above the test assembly.");
        }

        var doc = File.ReadAllText(Path.Combine(root.FullName, "docs", "postgres.md"));
        return [.. Regex.Matches(doc, "```sql\\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value)];
    }

    private WarehouseSink NewSink(int bufferRows = 50_000) => new(
        database.ConnectionString,
        Options.Create(new WarehouseOptions
        {
            FlushInterval = TimeSpan.FromMilliseconds(50),
            BufferRows = bufferRows,
            MaxRetryDelay = TimeSpan.FromMilliseconds(500),
        }),
        NullLogger<WarehouseSink>.Instance);

    private static WarehousePlay[] Rows(int partition, long firstOffset, Events.ListeningEvent[] events) =>
        [.. events.Select((e, i) => new WarehousePlay(e, partition, firstOffset + i, Plays.Catalog.Tracks[Plays.Catalog.IndexOf(e.TrackId)].Genres))];

    private static DateTimeOffset Truncate(DateTimeOffset ts) => new(ts.Year, ts.Month, ts.Day, ts.Hour, 0, 0, TimeSpan.Zero);

    private Task<long> Scalar(string sql) => TestPostgres.ScalarAsync<long>(database.ConnectionString, sql);
}
