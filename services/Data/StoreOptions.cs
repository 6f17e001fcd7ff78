namespace Inference.Data;

/// <summary>Which database holds the products (checked at start-up by <see cref="StoreOptionsValidator"/>).</summary>
public sealed class StoreOptions
{
    public const string Section = "Store";

    /// <summary><c>Sqlite</c> (the embedded default) or <c>Postgres</c> (production).</summary>
    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;

    public string ConnectionString { get; set; } = "Data Source=inference.db";

    /// <summary>Apply migrations (PostgreSQL) or create the schema (SQLite) at start-up.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>Where the database is, for log lines: host and port, or the SQLite file; never the password.</summary>
    public string Address()
    {
        if (Provider == StoreProvider.Sqlite)
            return new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource;
        var postgres = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        return $"{postgres.Host}:{postgres.Port}/{postgres.Database}";
    }
}

public enum StoreProvider
{
    Sqlite,
    Postgres,
}
