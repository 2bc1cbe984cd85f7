using System.Diagnostics;
using Npgsql;

namespace Encore.Storage.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests use: <c>ENCORE_TEST_POSTGRES</c> (a connection string to database
/// <c>postgres</c>), which ./test.sh sets after starting a throwaway cluster; plus
/// <c>ENCORE_TEST_PG_BIN</c>, <c>ENCORE_TEST_PG_DATA</c> for stopping and starting that server.
/// </summary>
internal static class TestPostgres
{
    public const string Variable = "ENCORE_TEST_POSTGRES";

    public const string SkipReason =
        "ENCORE_TEST_POSTGRES is not set: these tests need a PostgreSQL server. ./test.sh starts a throwaway one and sets it; " +
        "to run them by hand, start one (see test.sh) and export ENCORE_TEST_POSTGRES=\"Host=127.0.0.1;Port=<port>;Username=encore;Database=postgres\".";

    public static string? ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>Creates an empty database with a unique name; returns a connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var server = ServerConnectionString ?? throw new InvalidOperationException(SkipReason);
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<List<object?[]>> RowsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// Stops the server (<c>pg_ctl stop -m fast</c>): every connection is closed and new ones are
    /// refused until <see cref="StartServer"/>. Returns the postgres options it was started with.
    /// </summary>
    public static string StopServer()
    {
        var data = Required("ENCORE_TEST_PG_DATA");

        // postmaster.opts holds the server's command line: the executable, then its quoted options.
        var commandLine = File.ReadAllText(Path.Combine(data, "postmaster.opts")).Trim();
        var options = commandLine[(commandLine.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        PgCtl("-D", data, "-m", "fast", "-w", "stop");
        return options;
    }

    /// <summary>Starts the server again with the options it had, and waits until it accepts connections.</summary>
    public static void StartServer(string options)
    {
        var data = Required("ENCORE_TEST_PG_DATA");
        PgCtl("-D", data, "-l", Path.Combine(data, "server.log"), "-w", "-o", options, "start");

        // Pooled connections of the old server are dead; the tests' own helpers start afresh.
        NpgsqlConnection.ClearAllPools();
    }

    private static void PgCtl(params string[] arguments)
    {
        var pgCtl = Path.Combine(Required("ENCORE_TEST_PG_BIN"), "pg_ctl");

        // initdb and postgres refuse to run as root; test.sh runs them as nobody.
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "runuser" : pgCtl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asRoot)
        {
            foreach (var argument in new[] { "-u", "nobody", "--", pgCtl })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"pg_ctl {string.Join(' ', arguments)} ran longer than 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl {string.Join(' ', arguments)} failed ({process.ExitCode}): {output.Result}{error.Result}");
        }
    }

    private static string Required(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set; ./test.sh sets it with the server it starts.");
}

/// <summary>A test that needs PostgreSQL: skipped, saying why, only when <c>ENCORE_TEST_POSTGRES</c> is unset.</summary>
/// <summary>
/// A test that stops and starts the server itself: it needs one the test command started
/// (ENCORE_TEST_PG_BIN and ENCORE_TEST_PG_DATA), not a service it cannot control (a CI service container).
/// </summary>
internal sealed class ControlledPostgresFactAttribute : FactAttribute
{
    public ControlledPostgresFactAttribute()
    {
        if (TestPostgres.ServerConnectionString is null)
        {
            Skip = TestPostgres.SkipReason;
        }
        else if (Environment.GetEnvironmentVariable("ENCORE_TEST_PG_BIN") is null || Environment.GetEnvironmentVariable("ENCORE_TEST_PG_DATA") is null)
        {
            Skip = "This test stops and starts the PostgreSQL server: run it through ./test.sh without ENCORE_TEST_POSTGRES, which starts a server it controls.";
        }
    }
}

internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestPostgres.ServerConnectionString is null)
        {
            Skip = TestPostgres.SkipReason;
        }
    }
}

/// <summary>One database for a test class, created empty and dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncLifetime
{
    private string? _connectionString;

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException(TestPostgres.SkipReason);

    public async Task InitializeAsync()
    {
        if (TestPostgres.ServerConnectionString is not null)
        {
            _connectionString = await TestPostgres.CreateDatabaseAsync("encore_test");
        }
    }

    public async Task DisposeAsync()
    {
        if (_connectionString is not null)
        {
            await TestPostgres.DropDatabaseAsync(_connectionString);
        }
    }
}
