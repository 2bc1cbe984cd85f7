namespace Encore.Storage;

/// <summary>
/// Configuration section <c>Postgres</c>: what a silo does with the database named by
/// <c>ConnectionStrings:Postgres</c> (DESIGN.md §3.3). Without a connection string none of it applies.
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
}
