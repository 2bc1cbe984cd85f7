using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Encore.Storage;

/// <summary>One schema migration: an SQL file <c>Storage/Migrations/NNNN_name.sql</c> embedded in this assembly.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the SQL, recorded when the migration is applied.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    public override string ToString() => $"{Version:D4}_{Name}";
}

/// <summary>A migration this run applied, and how long it took.</summary>
public sealed record AppliedMigration(Migration Migration, TimeSpan Elapsed);

/// <summary>
/// Brings a PostgreSQL database to the newest schema: the Orleans clustering, persistence and reminder
/// tables with the queries the ADO.NET providers read, and the warehouse. Used by <c>encore db init</c>
/// and by silos at start (<c>Postgres:MigrateOnStart</c>).
/// </summary>
/// <remarks>
/// Table <c>schema_migrations</c> records each applied version with the checksum of its SQL. Each
/// migration runs in its own transaction together with its <c>schema_migrations</c> row, so a
/// migration is applied whole or not at all. A session advisory lock serialises runners: silos that
/// start together queue on it, and the ones after the first find nothing left to do. The SQL files
/// are idempotent too (IF NOT EXISTS, upserts), so even a database set up by hand can be brought
/// under the runner.
/// </remarks>
public sealed partial class MigrationRunner(string connectionString, ILogger<MigrationRunner>? logger = null)
{
    /// <summary>The advisory lock key every runner takes ("Encore" in ASCII).</summary>
    public const long LockKey = 0x456E_636F_7265;

    private readonly ILogger _logger = logger ?? NullLogger<MigrationRunner>.Instance;

    /// <summary>Every migration this build knows, oldest first.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } = Load();

    /// <summary>Applies the migrations the database lacks, in order; returns what it applied (empty when up to date).</summary>
    /// <exception cref="InvalidOperationException">An applied migration's SQL was changed after it was applied.</exception>
    public async Task<IReadOnlyList<AppliedMigration>> ApplyAsync(CancellationToken cancellationToken = default)
    {
        // Unpooled: the session (and with it the advisory lock) ends when the connection closes, whatever happens.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({LockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var known = await ReadAppliedAsync(connection, cancellationToken);
            var applied = new List<AppliedMigration>();
            foreach (var migration in Migrations)
            {
                if (known.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration} was changed after it was applied to this database (checksum {checksum} there, " +
                            $"{migration.Checksum} now). Applied migrations are never edited: add a new migration instead.");
                    }

                    continue;
                }

                var started = Stopwatch.GetTimestamp();
                await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
                {
                    await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                    await using var record = new NpgsqlCommand(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (@version, @name, @checksum)", connection, transaction);
                    record.Parameters.AddWithValue("version", migration.Version);
                    record.Parameters.AddWithValue("name", migration.Name);
                    record.Parameters.AddWithValue("checksum", migration.Checksum);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                LogApplied(_logger, migration.ToString(), elapsed.TotalMilliseconds);
                applied.Add(new AppliedMigration(migration, elapsed));
            }

            return applied;
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
            }
        }
    }

    /// <summary>Versions recorded in <c>schema_migrations</c> with their checksums.</summary>
    public static async Task<Dictionary<int, string>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, string>();
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> Load()
    {
        const string Prefix = "Encore.Storage.Migrations.";
        var assembly = typeof(MigrationRunner).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            // NNNN_name.sql
            var file = resource[Prefix.Length..^".sql".Length];
            var separator = file.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(file.AsSpan(0, separator), out var version))
            {
                throw new InvalidOperationException($"Embedded migration '{resource}' is not named NNNN_name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(version, file[(separator + 1)..], reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Two embedded migrations share version {migrations[i].Version}: {migrations[i - 1]} and {migrations[i]}.");
            }
        }

        return migrations;
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Applied schema migration {Migration} in {ElapsedMs:F0} ms")]
    private static partial void LogApplied(ILogger logger, string migration, double elapsedMs);
}
