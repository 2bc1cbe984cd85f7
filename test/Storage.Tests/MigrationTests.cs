using Encore.Storage.Tests.Infrastructure;

namespace Encore.Storage.Tests;

/// <summary>The schema migrations against an empty database of their own.</summary>
public sealed class MigrationTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    // Everything the migrations create, in a form two runs can be compared by: tables and their
    // columns, constraints, indexes, and the provider queries.
    private const string SchemaSnapshotSql = """
        SELECT string_agg(line, E'\n' ORDER BY line) FROM (
            SELECT format('column %s.%s.%s %s %s %s', table_schema, table_name, column_name, data_type, is_nullable, coalesce(column_default, '')) AS line
            FROM information_schema.columns WHERE table_schema IN ('public', 'orleans', 'warehouse')
            UNION ALL
            SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
            FROM pg_constraint WHERE connamespace::regnamespace::text IN ('public', 'orleans', 'warehouse')
            UNION ALL
            SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname IN ('public', 'orleans', 'warehouse')
            UNION ALL
            SELECT format('query %s %s', querykey, md5(querytext)) FROM orleansquery
        ) AS schema
        """;

    [PostgresFact]
    public async Task ApplyTwiceOnAnEmptyDatabaseAppliesEverythingOnceAndLeavesTheSchemaAsItWas()
    {
        var first = await new MigrationRunner(database.ConnectionString).ApplyAsync();
        var afterFirst = await TestPostgres.ScalarAsync<string>(database.ConnectionString, SchemaSnapshotSql);

        var second = await new MigrationRunner(database.ConnectionString).ApplyAsync();
        var afterSecond = await TestPostgres.ScalarAsync<string>(database.ConnectionString, SchemaSnapshotSql);

        Assert.Equal(
            ["0001_orleans_clustering", "0002_orleans_persistence", "0003_orleans_reminders", "0004_warehouse", "0005_warehouse_rejected", "0006_ranker_models"],
            first.Select(m => m.Migration.ToString()));
        Assert.Empty(second);
        Assert.Equal(afterFirst, afterSecond);

        var recorded = await TestPostgres.RowsAsync(database.ConnectionString, "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
        Assert.Equal(
            MigrationRunner.Migrations.Select(m => (m.Version, m.Name, m.Checksum)),
            recorded.Select(r => ((int)r[0]!, (string)r[1]!, (string)r[2]!)));

        // The query keys the three Orleans ADO.NET providers look up.
        var keys = await TestPostgres.RowsAsync(database.ConnectionString, "SELECT querykey FROM orleansquery ORDER BY querykey");
        Assert.Equal(
            [
                "CleanupDefunctSiloEntriesKey", "ClearStorageKey", "DeleteMembershipTableEntriesKey", "DeleteReminderRowKey",
                "DeleteReminderRowsKey", "DeleteStorageKey", "GatewaysQueryKey", "InsertMembershipKey", "InsertMembershipVersionKey",
                "MembershipReadAllKey", "MembershipReadRowKey", "ReadFromStorageKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
                "ReadReminderRowKey", "ReadReminderRowsKey", "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "UpsertReminderRowKey",
                "WriteToStorageKey",
            ],
            keys.Select(k => (string)k[0]!));
    }

    [PostgresFact]
    public async Task RunnersStartingTogetherApplyEachMigrationExactlyOnce()
    {
        var other = await TestPostgres.CreateDatabaseAsync("encore_race");
        try
        {
            var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new MigrationRunner(other).ApplyAsync())));

            Assert.Equal(MigrationRunner.Migrations.Count, runs.Sum(r => r.Count));
            Assert.Equal(
                MigrationRunner.Migrations.Select(m => m.Version),
                runs.SelectMany(r => r).Select(a => a.Migration.Version).Order());
            Assert.Equal((long)MigrationRunner.Migrations.Count, await TestPostgres.ScalarAsync<long>(other, "SELECT count(*) FROM schema_migrations"));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(other);
        }
    }

    [PostgresFact]
    public async Task AnAppliedMigrationThatWasEditedStopsTheRunnerWithAMessage()
    {
        var other = await TestPostgres.CreateDatabaseAsync("encore_edited");
        try
        {
            await new MigrationRunner(other).ApplyAsync();
            await TestPostgres.ScalarAsync<int>(other, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2 RETURNING version");

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new MigrationRunner(other).ApplyAsync());

            Assert.Contains("0002_orleans_persistence was changed after it was applied", error.Message);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(other);
        }
    }
}
