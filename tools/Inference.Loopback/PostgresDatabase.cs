using Npgsql;

namespace Inference.Loopback;

/// <summary>A PostgreSQL database of one's own for a test or a benchmark run, dropped afterwards.</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    readonly string _admin;

    PostgresDatabase(string admin, string connectionString, string name)
    {
        _admin = admin;
        ConnectionString = connectionString;
        Name = name;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<PostgresDatabase> CreateAsync(string purpose, LoopbackServers? servers = null)
    {
        var server = (servers ?? LoopbackServers.Current).Postgres;
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString;
        var name = LoopbackServers.UniqueName(purpose).ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return new PostgresDatabase(admin, connectionString, name);
    }

    /// <summary>Rows in the products table (0 before the Store has made it).</summary>
    public Task<long> CountProductsAsync() => CountProductsAsync(ConnectionString);

    /// <summary>Rows in the products table of the database at <paramref name="connectionString"/> (0 before the Store has made it).</summary>
    public static async Task<long> CountProductsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM products", connection);
        try { return (long)(await command.ExecuteScalarAsync())!; }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return 0; }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
