using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Encore.Events;
using Npgsql;
using Polly;
using Polly.Retry;
using NpgsqlTypes;

namespace Encore.Warehouse;

/// <summary>What a warehouse sink has done since it started.</summary>
/// <param name="EventsQueued">Events handed over by partition grains (replays and resends included).</param>
/// <param name="EventsInserted">Rows added to <c>warehouse.play_events</c>: the distinct events among them.</param>
/// <param name="Buffered">Rows (and markers) waiting in the buffer right now.</param>
/// <param name="PlaysRejected">Play rows PostgreSQL refused, set aside in <c>warehouse.rejected_plays</c>.</param>
public sealed record WarehouseSinkStats(
    long EventsQueued, long EventsInserted, long ServedWritten, long ServedDropped, long Flushes, long FailedAttempts, int Buffered,
    long PlaysRejected = 0);

/// <summary>
/// The warehouse writer of one silo: a bounded buffer that partition grains and the recommendation
/// API fill, and one background loop that empties it in batches (every
/// <see cref="WarehouseOptions.FlushInterval"/> or <see cref="WarehouseOptions.MaxBatchRows"/> rows)
/// into PostgreSQL, retrying with backoff and jitter for as long as the database is away. A batch
/// that PostgreSQL refuses for a value of one of its rows (<see cref="PostgresErrors.IsPermanent"/>)
/// is never retried as it is: it is split until the rows at fault are found, which are set aside in
/// <c>warehouse.rejected_plays</c> with the reason, and the rest is written.
/// </summary>
/// <remarks>
/// <para>A batch is one transaction: play events are bulk-loaded with binary COPY into a temporary
/// staging table, then moved into <c>warehouse.play_events</c> with <c>ON CONFLICT (event_id) DO
/// NOTHING</c>, and the hourly track and genre tables are upserted from exactly the rows that insert
/// added. Written twice (a replay after a crash, a resend, a retry after a lost commit
/// acknowledgement), an event is still one row and one count.</para>
/// <para>Nothing here is durable until committed, so partition grains ask
/// <see cref="DurableNextOffset"/> before they let a partition's checkpoint move: an event still in
/// this buffer when the silo dies is read again from Kafka.</para>
/// </remarks>
public sealed partial class WarehouseSink : IWarehouseSink, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private const string CreateStagingSql = """
        CREATE TEMP TABLE warehouse_play_staging (
            event_id text, user_id text, track_id text, ts timestamptz, ms_played bigint,
            skipped boolean, is_skip boolean, reason_start text, reason_end text, shuffle boolean,
            platform text, country text, genres text[], kafka_partition integer, kafka_offset bigint
        ) ON COMMIT DROP
        """;

    private const string CopyStagingSql = """
        COPY warehouse_play_staging (
            event_id, user_id, track_id, ts, ms_played, skipped, is_skip, reason_start, reason_end, shuffle,
            platform, country, genres, kafka_partition, kafka_offset
        ) FROM STDIN (FORMAT BINARY)
        """;

    // Rows are inserted and aggregates upserted in key order, so that two silos writing at once take
    // their row locks in the same order. The result is the number of new events.
    private const string MergeSql = """
        WITH inserted AS (
            INSERT INTO warehouse.play_events (
                event_id, user_id, track_id, ts, ms_played, skipped, is_skip, reason_start, reason_end, shuffle,
                platform, country, genres, kafka_partition, kafka_offset)
            SELECT DISTINCT ON (event_id)
                event_id, user_id, track_id, ts, ms_played, skipped, is_skip, reason_start, reason_end, shuffle,
                platform, country, genres, kafka_partition, kafka_offset
            FROM warehouse_play_staging
            ORDER BY event_id, kafka_partition, kafka_offset
            ON CONFLICT (event_id) DO NOTHING
            RETURNING ts, track_id, genres, is_skip, ms_played),
        by_track AS (
            INSERT INTO warehouse.track_hourly AS t (hour, track_id, plays, skips, ms_played)
            SELECT date_trunc('hour', ts, 'UTC'), track_id, count(*), count(*) FILTER (WHERE is_skip), sum(ms_played)
            FROM inserted
            GROUP BY 1, 2
            ORDER BY 1, 2
            ON CONFLICT (hour, track_id) DO UPDATE
            SET plays = t.plays + EXCLUDED.plays, skips = t.skips + EXCLUDED.skips, ms_played = t.ms_played + EXCLUDED.ms_played),
        by_genre AS (
            INSERT INTO warehouse.genre_hourly AS g (hour, genre, plays, skips, ms_played)
            SELECT date_trunc('hour', i.ts, 'UTC'), tg.genre, count(*), count(*) FILTER (WHERE i.is_skip), sum(i.ms_played)
            FROM inserted AS i CROSS JOIN LATERAL unnest(i.genres) AS tg (genre)
            GROUP BY 1, 2
            ORDER BY 1, 2
            ON CONFLICT (hour, genre) DO UPDATE
            SET plays = g.plays + EXCLUDED.plays, skips = g.skips + EXCLUDED.skips, ms_played = g.ms_played + EXCLUDED.ms_played)
        SELECT count(*) FROM inserted
        """;

    private const string InsertRejectedSql =
        "INSERT INTO warehouse.rejected_plays (kafka_partition, kafka_offset, event, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

    private const string CopyServedSql = """
        COPY warehouse.served_recommendations (user_id, model_version, track_ids, scores, served_at) FROM STDIN (FORMAT BINARY)
        """;

    private readonly Channel<Item> _channel;
    private readonly Dictionary<int, Queue<Marker>> _pending = [];
    private readonly Lock _pendingLock = new();
    private readonly NpgsqlDataSource _dataSource;
    private readonly WarehouseOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    private Task? _writer;
    private long _eventsQueued;
    private long _eventsInserted;
    private long _servedWritten;
    private long _servedDropped;
    private long _flushes;
    private long _failedAttempts;
    private long _playsRejected;
    private int _retries;
    private readonly ResiliencePipeline _retry;

    public WarehouseSink(string connectionString, IOptions<WarehouseOptions> options, ILogger<WarehouseSink> logger)
    {
        _options = options.Value;
        _logger = logger;
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _channel = Channel.CreateBounded<Item>(new BoundedChannelOptions(_options.BufferRows)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } e && !PostgresErrors.IsPermanent(e) && !args.Context.CancellationToken.IsCancellationRequested),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = _options.MaxRetryDelay,
            // The database being away is no row's fault: the batch waits for it (and partitions wait on
            // the full buffer) however long that takes. Rows at fault fail permanently and are not retried.
            MaxRetryAttempts = int.MaxValue,
            OnRetry = args =>
            {
                Interlocked.Increment(ref _failedAttempts);
                _retries++;
                LogWriteFailed(_logger, args.Outcome.Exception!, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds);
                return default;
            },
        }).Build();
    }

    public bool IsEnabled => true;

    public WarehouseSinkStats Stats => new(
        Interlocked.Read(ref _eventsQueued),
        Interlocked.Read(ref _eventsInserted),
        Interlocked.Read(ref _servedWritten),
        Interlocked.Read(ref _servedDropped),
        Interlocked.Read(ref _flushes),
        Interlocked.Read(ref _failedAttempts),
        _channel.Reader.Count,
        Interlocked.Read(ref _playsRejected));

    public async ValueTask WritePlaysAsync(int partition, IReadOnlyList<WarehousePlay> plays, CancellationToken cancellationToken = default)
    {
        if (plays.Count == 0)
        {
            return;
        }

        var first = long.MaxValue;
        foreach (var play in plays)
        {
            first = Math.Min(first, play.Offset);
        }

        // Pending before the first row is queued, so the partition can never declare past it. If the
        // sink stops before the batch is written, it stays pending: that offset is never declared.
        var marker = new Marker(first);
        lock (_pendingLock)
        {
            if (!_pending.TryGetValue(partition, out var queue))
            {
                _pending[partition] = queue = new Queue<Marker>();
            }

            queue.Enqueue(marker);
        }

        foreach (var play in plays)
        {
            await _channel.Writer.WriteAsync(new Item(play, null, null), cancellationToken);
        }

        await _channel.Writer.WriteAsync(new Item(null, null, marker), cancellationToken);
        Interlocked.Add(ref _eventsQueued, plays.Count);
    }

    public long DurableNextOffset(int partition)
    {
        lock (_pendingLock)
        {
            if (!_pending.TryGetValue(partition, out var queue))
            {
                return long.MaxValue;
            }

            while (queue.Count > 0 && queue.Peek().Written.Task.IsCompletedSuccessfully)
            {
                queue.Dequeue();
            }

            return queue.Count == 0 ? long.MaxValue : queue.Peek().FirstOffset;
        }
    }

    public void RecordServed(ServedRecommendation served)
    {
        if (!_channel.Writer.TryWrite(new Item(null, served, null)))
        {
            Interlocked.Increment(ref _servedDropped);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var marker = new Marker(-1);
        try
        {
            await _channel.Writer.WriteAsync(new Item(null, null, marker), cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // Stopped: nothing queued from now on can be written, and what was is being drained.
            return;
        }

        await marker.Written.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Starts the writer loop (the silo does it when it starts; tests call it directly).</summary>
    public void Start()
    {
        if (_writer is null)
        {
            LogStarted(_logger, _options.FlushInterval.TotalMilliseconds, _options.MaxBatchRows, _options.BufferRows);
            _writer = Task.Run(() => RunAsync(_abort.Token));
        }
    }

    /// <summary>
    /// Takes no more rows and writes what is buffered, retrying until <paramref name="cancellationToken"/>
    /// gives up; what is then still unwritten was never declared durable, so Kafka delivers it again.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _channel.Writer.TryComplete();
        if (_writer is null)
        {
            return;
        }

        try
        {
            await _writer.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await _abort.CancelAsync();
            await _writer;
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        // Application services stop after the silo has deactivated its grains, so partition grains can
        // still hand over and flush their last batches while they stop.
        lifecycle.Subscribe(nameof(WarehouseSink), ServiceLifecycleStage.ApplicationServices, _ =>
        {
            Start();
            return Task.CompletedTask;
        }, StopAsync);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(new CancellationToken(canceled: true));
        await _dataSource.DisposeAsync();
        _abort.Dispose();
    }

    private async Task RunAsync(CancellationToken abort)
    {
        var reader = _channel.Reader;
        var plays = new List<WarehousePlay>();
        var served = new List<ServedRecommendation>();
        var markers = new List<Marker>();
        try
        {
            while (await reader.WaitToReadAsync(abort))
            {
                var deadline = Stopwatch.GetTimestamp() + (long)(_options.FlushInterval.TotalSeconds * Stopwatch.Frequency);
                while (true)
                {
                    while (plays.Count + served.Count < _options.MaxBatchRows && reader.TryRead(out var item))
                    {
                        if (item.Play is { } play)
                        {
                            plays.Add(play);
                        }
                        else if (item.Served is { } answer)
                        {
                            served.Add(answer);
                        }
                        else
                        {
                            markers.Add(item.Marker!);
                        }
                    }

                    var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    if (plays.Count + served.Count >= _options.MaxBatchRows || remaining <= TimeSpan.Zero)
                    {
                        break;
                    }

                    var more = reader.WaitToReadAsync(abort).AsTask();
                    if (await Task.WhenAny(more, Task.Delay(remaining, abort)) != more || !await more)
                    {
                        break;
                    }
                }

                if (plays.Count + served.Count > 0)
                {
                    await WriteWithRetryAsync(plays, served, abort);
                }

                foreach (var marker in markers)
                {
                    marker.Written.TrySetResult();
                }

                plays.Clear();
                served.Clear();
                markers.Clear();
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            var lost = plays.Count + served.Count + reader.Count;
            LogStoppedUnwritten(_logger, lost);
        }
        finally
        {
            foreach (var marker in markers)
            {
                marker.Written.TrySetCanceled();
            }

            while (reader.TryRead(out var item))
            {
                item.Marker?.Written.TrySetCanceled();
            }
        }
    }

    private async Task WriteWithRetryAsync(List<WarehousePlay> plays, List<ServedRecommendation> served, CancellationToken abort)
    {
        try
        {
            _retries = 0;
            var inserted = await _retry.ExecuteAsync(async ct => await WriteAsync(plays, served, ct), abort);
            Interlocked.Add(ref _eventsInserted, inserted);
            Interlocked.Add(ref _servedWritten, served.Count);
            Interlocked.Increment(ref _flushes);
            if (_retries > 0)
            {
                LogRecovered(_logger, plays.Count, served.Count, _retries + 1);
            }
        }
        catch (Exception exception) when (PostgresErrors.IsPermanent(exception) && !abort.IsCancellationRequested)
        {
            if (plays.Count + served.Count == 1)
            {
                await SetAsideAsync(plays, served, exception, abort);
                return;
            }

            // Halves of the rows in order, each written (or split again) on its own: about log2(rows)
            // extra writes find a row at fault. Written twice, a row is still one row and one count.
            var half = (plays.Count + served.Count) / 2;
            var firstPlays = Math.Min(half, plays.Count);
            await WriteWithRetryAsync(plays[..firstPlays], served[..(half - firstPlays)], abort);
            await WriteWithRetryAsync(plays[firstPlays..], served[(half - firstPlays)..], abort);
        }
    }

    /// <summary>A row PostgreSQL refuses: a play is kept, as escaped JSON, with the reason; a served answer is dropped.</summary>
    private async Task SetAsideAsync(List<WarehousePlay> plays, List<ServedRecommendation> served, Exception exception, CancellationToken abort)
    {
        var reason = PostgresErrors.Describe(exception);
        if (served.Count > 0)
        {
            Interlocked.Add(ref _servedDropped, served.Count);
            LogServedRefused(_logger, reason);
            return;
        }

        var play = plays[0];
        LogPlayRefused(_logger, play.Partition, play.Offset, reason);
        Interlocked.Increment(ref _playsRejected);
        try
        {
            await _retry.ExecuteAsync(async ct =>
            {
                await using var connection = await _dataSource.OpenConnectionAsync(ct);
                await using var insert = new NpgsqlCommand(InsertRejectedSql, connection);
                insert.Parameters.AddWithValue(play.Partition);
                insert.Parameters.AddWithValue(play.Offset);
                insert.Parameters.AddWithValue(System.Text.Encoding.UTF8.GetString(EventJson.Serialize(play.Event)));
                insert.Parameters.AddWithValue(reason);
                await insert.ExecuteNonQueryAsync(ct);
            }, abort);
        }
        catch (Exception failure) when (PostgresErrors.IsPermanent(failure))
        {
            // Escaped JSON and a cleaned reason are always storable; if not, the log line above is all there is.
            LogSetAsideFailed(_logger, failure, play.Partition, play.Offset);
        }
    }

    /// <summary>One batch in one transaction; returns how many play events were new.</summary>
    private async Task<long> WriteAsync(List<WarehousePlay> plays, List<ServedRecommendation> served, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long inserted = 0;
        if (plays.Count > 0)
        {
            await using (var create = new NpgsqlCommand(CreateStagingSql, connection, transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var import = await connection.BeginBinaryImportAsync(CopyStagingSql, cancellationToken))
            {
                foreach (var play in plays)
                {
                    var e = play.Event;
                    await import.StartRowAsync(cancellationToken);
                    await import.WriteAsync(e.EventId, NpgsqlDbType.Text, cancellationToken);
                    await import.WriteAsync(e.UserId, NpgsqlDbType.Text, cancellationToken);
                    await import.WriteAsync(e.TrackId, NpgsqlDbType.Text, cancellationToken);
                    await import.WriteAsync(e.Ts.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
                    await import.WriteAsync(e.MsPlayed, NpgsqlDbType.Bigint, cancellationToken);
                    await WriteAsync(import, e.Skipped, cancellationToken);
                    await import.WriteAsync(e.IsSkip, NpgsqlDbType.Boolean, cancellationToken);
                    await WriteAsync(import, e.ReasonStart, cancellationToken);
                    await WriteAsync(import, e.ReasonEnd, cancellationToken);
                    await WriteAsync(import, e.Shuffle, cancellationToken);
                    await WriteAsync(import, e.Platform, cancellationToken);
                    await WriteAsync(import, e.Country, cancellationToken);
                    await import.WriteAsync(play.Genres, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                    await import.WriteAsync(play.Partition, NpgsqlDbType.Integer, cancellationToken);
                    await import.WriteAsync(play.Offset, NpgsqlDbType.Bigint, cancellationToken);
                }

                await import.CompleteAsync(cancellationToken);
            }

            await using var merge = new NpgsqlCommand(MergeSql, connection, transaction);
            inserted = (long)(await merge.ExecuteScalarAsync(cancellationToken))!;
        }

        if (served.Count > 0)
        {
            await using var import = await connection.BeginBinaryImportAsync(CopyServedSql, cancellationToken);
            foreach (var answer in served)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(answer.UserId, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(answer.ModelVersion, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(answer.TrackIds, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(answer.Scores, NpgsqlDbType.Array | NpgsqlDbType.Double, cancellationToken);
                await import.WriteAsync(answer.ServedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    private static Task WriteAsync(NpgsqlBinaryImporter import, string? value, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    private static Task WriteAsync(NpgsqlBinaryImporter import, bool? value, CancellationToken cancellationToken) =>
        value is { } flag ? import.WriteAsync(flag, NpgsqlDbType.Boolean, cancellationToken) : import.WriteNullAsync(cancellationToken);

    /// <summary>One buffered thing: a play, a served recommendation, or a marker that completes once everything before it is written.</summary>
    private readonly record struct Item(WarehousePlay? Play, ServedRecommendation? Served, Marker? Marker);

    /// <summary>The end of a partition batch (or of a flush request); <see cref="FirstOffset"/> is the batch's lowest offset.</summary>
    private sealed class Marker(long firstOffset)
    {
        public long FirstOffset { get; } = firstOffset;

        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Warehouse sink started: flush every {FlushMs} ms or {MaxBatchRows} rows, buffer {BufferRows} rows")]
    private static partial void LogStarted(ILogger logger, double flushMs, int maxBatchRows, int bufferRows);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Warehouse write failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int attempt, double delayMs);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Warning, Message = "PostgreSQL refused the play of partition {Partition} at offset {Offset}; set aside in warehouse.rejected_plays: {Reason}")]
    private static partial void LogPlayRefused(ILogger logger, int partition, long offset, string reason);

    [LoggerMessage(EventId = 1505, Level = LogLevel.Warning, Message = "PostgreSQL refused a served recommendation; dropped: {Reason}")]
    private static partial void LogServedRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1506, Level = LogLevel.Error, Message = "Setting aside the play of partition {Partition} at offset {Offset} failed; it is only in this log")]
    private static partial void LogSetAsideFailed(ILogger logger, Exception exception, int partition, long offset);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information, Message = "Warehouse write of {Plays} plays and {Served} served recommendations succeeded at attempt {Attempt}")]
    private static partial void LogRecovered(ILogger logger, int plays, int served, int attempt);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "Warehouse sink stopped with {Rows} rows unwritten; their partitions were never declared past them, so Kafka delivers them again")]
    private static partial void LogStoppedUnwritten(ILogger logger, int rows);
}
