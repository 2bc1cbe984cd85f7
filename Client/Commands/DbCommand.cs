using System.CommandLine;
using Encore.Storage;
using Npgsql;

namespace Encore.Client.Commands;

/// <summary>
/// <c>db init --connection C</c>: brings a PostgreSQL database to the newest schema (Orleans
/// clustering, grain state, reminders, the warehouse) and says what it applied. Safe to run again, and
/// beside starting silos: runners take turns on an advisory lock.
/// </summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var connection = new Option<string>("--connection")
        {
            Description = "Npgsql connection string, e.g. \"Host=localhost;Port=5432;Database=encore;Username=encore;Password=...\"",
            Required = true,
        };
        var init = new Command("init", "Create or update the Orleans and warehouse schemas in PostgreSQL (idempotent).") { connection };
        init.SetAction((parse, cancellationToken) => InitAsync(
            parse.GetRequiredValue(connection),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return new Command("db", "PostgreSQL schema management.") { init };
    }

    private static async Task<int> InitAsync(string connectionString, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        IReadOnlyList<AppliedMigration> applied;
        try
        {
            applied = await new MigrationRunner(connectionString).ApplyAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            await error.WriteLineAsync($"db init failed: {exception.Message}");
            return 1;
        }

        foreach (var migration in applied)
        {
            await output.WriteLineAsync($"applied {migration.Migration} ({migration.Elapsed.TotalMilliseconds:F0} ms)");
        }

        var latest = MigrationRunner.Migrations[^1];
        await output.WriteLineAsync(applied.Count == 0
            ? $"up to date: schema at {latest}, nothing to apply"
            : $"schema at {latest}: {applied.Count} of {MigrationRunner.Migrations.Count} migrations applied now");
        return 0;
    }
}
