namespace Encore.Storage;

/// <summary>
/// Configuration section <c>Postgres</c>: what a silo does with the database named by
/// <c>ConnectionStrings:Postgres</c> (docs/postgres.md). Without a connection string none of it applies.
/// </summary>
public sealed class PostgresOptions
{
    public const string SectionName = "Postgres";

    /// <summary>
    /// Apply schema migrations while the silo starts, before it joins the cluster. Convenient for
    /// development and harmless with several silos (they queue on an advisory lock); deployments that
    /// run <c>encore db init</c> as a separate step (the Kubernetes Job) may turn it off so that silos
    /// need no DDL rights.
    /// </summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// The most connections this silo opens for each purpose: each gets its own pool, capped here,
    /// so that a silo's share of the server's <c>max_connections</c> is known (docs/postgres.md).
    /// </summary>
    public PostgresPools Pools { get; set; } = new();
}

/// <summary>Configuration section <c>Postgres:Pools</c>: Maximum Pool Size per purpose.</summary>
public sealed class PostgresPools
{
    [System.ComponentModel.DataAnnotations.Range(1, 1000, ErrorMessage = "Postgres:Pools:Clustering must be between 1 and 1000; set Postgres__Pools__Clustering.")]
    public int Clustering { get; set; } = 3;

    [System.ComponentModel.DataAnnotations.Range(1, 1000, ErrorMessage = "Postgres:Pools:GrainStorage must be between 1 and 1000; set Postgres__Pools__GrainStorage.")]
    public int GrainStorage { get; set; } = 12;

    [System.ComponentModel.DataAnnotations.Range(1, 1000, ErrorMessage = "Postgres:Pools:Reminders must be between 1 and 1000; set Postgres__Pools__Reminders.")]
    public int Reminders { get; set; } = 2;

    [System.ComponentModel.DataAnnotations.Range(1, 1000, ErrorMessage = "Postgres:Pools:Warehouse must be between 1 and 1000; set Postgres__Pools__Warehouse.")]
    public int Warehouse { get; set; } = 3;

    /// <summary>The most this silo holds at once (one more, briefly, while it migrates at start).</summary>
    public int Total => Clustering + GrainStorage + Reminders + Warehouse;

    /// <summary>
    /// <paramref name="connectionString"/> with its own pool for <paramref name="purpose"/>: Npgsql keeps
    /// one pool per distinct connection string, so the application name separates them.
    /// </summary>
    public static string For(string connectionString, string purpose, int maxPoolSize)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = maxPoolSize,
            MinPoolSize = 0,
            ApplicationName = $"encore-{purpose}",
        };
        return builder.ConnectionString;
    }
}
