using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Encore.Ranking;

/// <summary>The registry in table <c>ranker.models</c> (migration 0006), shared by every silo of the service.</summary>
public sealed class PostgresModelRegistry(string connectionString) : IModelRegistry
{
    private const string Columns = "version, number, trained_at, status, metrics::text, schema_hash, window_start, window_end, trainer, note";

    public async Task<ModelVersionInfo> ReserveAsync(DateTimeOffset at)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand($"""
            WITH n AS (SELECT nextval('ranker.model_numbers') AS n)
            INSERT INTO ranker.models (number, version, status, trained_at, schema_hash)
            SELECT n, 'ranker-' || n, @status, @at, @schema FROM n
            RETURNING {Columns}
            """, connection);
        command.Parameters.AddWithValue("status", ModelStatus.Training);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("schema", CandidateFeatures.SchemaHash);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return Read(reader);
    }

    public async Task CompleteAsync(ModelVersionInfo version, byte[]? model)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("""
            UPDATE ranker.models SET status = @status, trained_at = @at, metrics = @metrics::jsonb, schema_hash = @schema,
                window_start = @start, window_end = @end, trainer = @trainer, note = @note, model = @model
            WHERE version = @version
            """, connection);
        command.Parameters.AddWithValue("version", version.Version);
        command.Parameters.AddWithValue("status", version.Status);
        command.Parameters.AddWithValue("at", version.TrainedAt);
        command.Parameters.AddWithValue("metrics", JsonSerializer.Serialize(version.Metrics));
        command.Parameters.AddWithValue("schema", version.SchemaHash);
        command.Parameters.AddWithValue("start", (object?)version.WindowStart ?? DBNull.Value);
        command.Parameters.AddWithValue("end", (object?)version.WindowEnd ?? DBNull.Value);
        command.Parameters.AddWithValue("trainer", version.Trainer);
        command.Parameters.AddWithValue("note", (object?)version.Note ?? DBNull.Value);
        command.Parameters.Add(new NpgsqlParameter("model", NpgsqlDbType.Bytea) { Value = (object?)model ?? DBNull.Value });
        if (await command.ExecuteNonQueryAsync() != 1)
        {
            throw new ArgumentException($"Version {version.Version} was never reserved.", nameof(version));
        }
    }

    public async Task<ModelList> ListAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM ranker.models ORDER BY number DESC", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<ModelVersionInfo>();
        while (await reader.ReadAsync())
        {
            versions.Add(Read(reader));
        }

        return new ModelList(versions.FirstOrDefault(v => v.Status == ModelStatus.Published)?.Version, [.. versions]);
    }

    public async Task<string?> GetActiveVersionAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT version FROM ranker.models WHERE status = 'published' ORDER BY number DESC LIMIT 1", connection);
        return await command.ExecuteScalarAsync() as string;
    }

    public async Task<StoredModel?> GetActiveAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns}, model FROM ranker.models WHERE status = 'published' ORDER BY number DESC LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new StoredModel(Read(reader), reader.GetFieldValue<byte[]>(10)) : null;
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static ModelVersionInfo Read(NpgsqlDataReader r) => new(
        r.GetString(0),
        r.GetInt64(1),
        r.GetFieldValue<DateTimeOffset>(2),
        r.GetString(3),
        JsonSerializer.Deserialize<Dictionary<string, double>>(r.GetString(4)) ?? [],
        r.GetString(5),
        r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
        r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
        r.GetString(8),
        r.IsDBNull(9) ? null : r.GetString(9));
}
