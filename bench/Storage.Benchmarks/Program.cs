using System.Diagnostics;
using System.Globalization;
using System.Net;
using Encore;
using Encore.Catalog;
using Encore.Events;
using Encore.Features;
using Encore.Pipeline;
using Encore.Silo.Hosting;
using Encore.Storage;
using Encore.Warehouse;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Streams;

// Events/s through the partition, user and track grains with in-memory grain storage and with
// PostgreSQL grain storage (plus the warehouse sink), on the same generated events in the same run;
// then the warehouse sink's insert rate on its own (binary COPY + INSERT ... ON CONFLICT).
// Usage: dotnet run -c Release --project bench/Storage.Benchmarks -- <connection string to database postgres> [events] [users] [partitions]
// (FeatureState__WriteInterval / FeatureState__WriteEveryEvents in the environment change the write policy.)
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Storage.Benchmarks <connection string to a PostgreSQL server's postgres database> [events=200000] [users=20000] [partitions=8]");
    return 2;
}

var server = args[0];
var events = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
var users = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
var partitions = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 8;

var catalog = TrackCatalog.Synthetic();
// Two rounds over the same users: the first activates every user and track grain (a state read
// each with PostgreSQL), the second runs on active grains.
var rounds = Generate(catalog, events, users, partitions);
var batches = rounds.SelectMany(r => r).ToList();
Console.WriteLine($"{events:N0} events, {users:N0} users, {catalog.Count:N0} tracks, {partitions} partitions; {Environment.ProcessorCount} cores");

var database = await CreateDatabaseAsync(server, "encore_bench");
try
{
    var applied = await new MigrationRunner(database).ApplyAsync();
    Console.WriteLine($"migrated {new NpgsqlConnectionStringBuilder(database).Database}: {applied.Count} migrations");

    var memory = await RunPipelineAsync(null, rounds, partitions);
    Console.WriteLine($"memory storage:     first round {memory.Cold:N0} events/s, second round (grains active) {memory.Warm:N0} events/s");

    var postgres = await RunPipelineAsync(database, rounds, partitions);
    Console.WriteLine($"PostgreSQL storage: first round {postgres.Cold:N0} events/s ({postgres.Cold / memory.Cold:P0} of memory), " +
        $"second round {postgres.Warm:N0} events/s ({postgres.Warm / memory.Warm:P0} of memory); " +
        $"all declared durable {postgres.DurableAfter.TotalSeconds:0.0} s after the last event was processed; " +
        $"{postgres.StateWrites:N0} grain state writes for {postgres.Grains:N0} grains and {2 * events:N0} events; {postgres.WarehouseRows:N0} warehouse rows");

    await WarehouseRateAsync(database, [.. batches.SelectMany(b => b)]);
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await using var connection = new NpgsqlConnection(server);
    await connection.OpenAsync();
    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{new NpgsqlConnectionStringBuilder(database).Database}\" WITH (FORCE)", connection);
    await drop.ExecuteNonQueryAsync();
}

return 0;

// Per partition, batches of 500 consecutive offsets; a user's events all on the partition of their
// key. Two rounds of the same size over the same users and tracks.
static List<PartitionEvent[]>[] Generate(TrackCatalog catalog, int count, int users, int partitions)
{
    var random = new Random(42);
    var start = DateTimeOffset.UtcNow.AddDays(-2);
    var next = new long[partitions];
    var rounds = new List<PartitionEvent[]>[2];
    for (var round = 0; round < 2; round++)
    {
        var byPartition = Enumerable.Range(0, partitions).Select(_ => new List<PartitionEvent>()).ToArray();
        for (var i = 0; i < count; i++)
        {
            var user = $"bench-user-{random.Next(users)}";
            var partition = KeyHash.Bucket(user, partitions);
            var e = new ListeningEvent
            {
                EventId = $"bench-{round}-{i}",
                UserId = user,
                TrackId = catalog.Tracks[random.Next(catalog.Count)].TrackId,
                Ts = start.AddSeconds((round * count + i) * 0.5),
                MsPlayed = random.Next(5_000, 300_000),
            };
            byPartition[partition].Add(new PartitionEvent(partition, next[partition]++, e));
        }

        rounds[round] = [.. byPartition.SelectMany(p => p.Chunk(500))];
    }

    return rounds;
}

static async Task<(double Cold, double Warm, TimeSpan DurableAfter, long StateWrites, long Grains, long WarehouseRows)> RunPipelineAsync(
    string? database, List<PartitionEvent[]>[] rounds, int partitions)
{
    var builder = Host.CreateApplicationBuilder();
    // Failed writes show in the figures (and are retried); their logs would drown them.
    builder.Logging.SetMinimumLevel(LogLevel.Critical);
    builder.Services.AddOptions<FeatureStateOptions>().BindConfiguration(FeatureStateOptions.SectionName);
    var serviceId = $"bench-{Guid.NewGuid():N}"[..16];
    builder.UseOrleans(silo =>
    {
        if (database is null)
        {
            silo.UseLocalhostClustering(serviceId: serviceId, clusterId: serviceId);
            silo.AddEncoreMemoryStorage();
        }
        else
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (serviceId, serviceId));
            silo.ConfigureEndpoints(IPAddress.Loopback, 11111, 30000);
            silo.UseEncorePostgres(database);
        }

        silo.AddMemoryStreams(Constants.StreamProvider, streams =>
        {
            streams.ConfigurePartitioning(partitions);
            streams.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                o.BatchContainerBatchSize = 64;
                o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(20);
            }));
        });
        silo.AddEncoreFeatures();
    });

    using var host = builder.Build();
    await host.StartAsync();
    var client = host.Services.GetRequiredService<IClusterClient>();
    await host.Services.GetRequiredService<CatalogHolder>().Loaded;
    var provider = client.GetStreamProvider(Constants.StreamProvider);

    var rates = new double[2];
    var ends = new Dictionary<int, long>();
    for (var round = 0; round < 2; round++)
    {
        var watch = Stopwatch.StartNew();
        foreach (var batch in rounds[round])
        {
            await provider.GetStream<PartitionEvent>(StreamId.Create(Constants.PartitionStreamNamespace, batch[0].Partition)).OnNextBatchAsync(batch);
            ends[batch[0].Partition] = batch[^1].Offset + 1;
        }

        await WaitAsync(async () => (await Task.WhenAll(ends.Select(async e =>
            (await client.GetGrain<IPartitionGrain>(e.Key).GetStatusAsync()).NextOffset >= e.Value))).All(done => done));
        rates[round] = rounds[round].Sum(b => b.Length) / watch.Elapsed.TotalSeconds;
    }

    var processedAt = Stopwatch.StartNew();
    await WaitAsync(async () => (await Task.WhenAll(ends.Select(async e =>
        (await client.GetGrain<IPartitionGrain>(e.Key).GetStatusAsync()).DeclaredNextOffset >= e.Value))).All(done => done));
    var durableAfter = processedAt.Elapsed;

    long writes = 0, grains = 0, rows = 0;
    if (database is not null)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand($"SELECT coalesce(sum(version), 0)::bigint, count(*) FROM orleans.grain_state WHERE service_id = '{serviceId}'", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            (writes, grains) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM warehouse.play_events", connection);
        rows = (long)(await count.ExecuteScalarAsync())!;
    }

    await host.StopAsync();
    return (rates[0], rates[1], durableAfter, writes, grains, rows);
}

static async Task WarehouseRateAsync(string database, PartitionEvent[] events)
{
    await using (var connection = new NpgsqlConnection(database))
    {
        await connection.OpenAsync();
        await using var truncate = new NpgsqlCommand("TRUNCATE warehouse.play_events, warehouse.track_hourly, warehouse.genre_hourly", connection);
        await truncate.ExecuteNonQueryAsync();
    }

    var catalog = TrackCatalog.Synthetic();
    var plays = events.Select(e => new WarehousePlay(e.Event, e.Partition, e.Offset, catalog.TryGet(e.Event.TrackId, out var t) ? t.Genres : [])).ToArray();
    foreach (var (label, batchRows) in new[] { ("new events", 5_000), ("the same events again (all conflicts)", 5_000), ("new events, 20 000-row batches", 20_000) })
    {
        if (label.StartsWith("new events, ", StringComparison.Ordinal))
        {
            plays = [.. plays.Select(p => p with { Event = p.Event with { EventId = p.Event.EventId + "-b" } })];
        }

        await using var sink = new WarehouseSink(database, Options.Create(new WarehouseOptions { MaxBatchRows = batchRows, BufferRows = 200_000 }), NullLogger<WarehouseSink>.Instance);
        sink.Start();
        var watch = Stopwatch.StartNew();
        foreach (var chunk in plays.Chunk(500))
        {
            await sink.WritePlaysAsync(chunk[0].Partition, chunk);
        }

        await sink.FlushAsync();
        watch.Stop();
        Console.WriteLine($"warehouse sink, {label}: {plays.Length:N0} rows in {watch.Elapsed.TotalSeconds:0.00} s = {plays.Length / watch.Elapsed.TotalSeconds:N0} rows/s " +
            $"({sink.Stats.EventsInserted:N0} inserted, {sink.Stats.Flushes} transactions)");
    }
}

static async Task<string> CreateDatabaseAsync(string server, string prefix)
{
    var name = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];
    await using var connection = new NpgsqlConnection(server);
    await connection.OpenAsync();
    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
    await create.ExecuteNonQueryAsync();
    return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
}

static async Task WaitAsync(Func<Task<bool>> done)
{
    while (!await done())
    {
        await Task.Delay(20);
    }
}
