using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Inference.Data;

/// <summary>Points a <see cref="ProductsDbContext"/> at the database <see cref="StoreOptions"/> names.</summary>
public static class ProductsDatabase
{
    /// <param name="retryOnFailure">EF retries a transient failure (about a minute in all): right for a writer, too long for a reader that answers HTTP.</param>
    public static DbContextOptionsBuilder UseProvider(DbContextOptionsBuilder db, StoreOptions options, bool retryOnFailure = true) => options.Provider switch
    {
        StoreProvider.Postgres => db.UseNpgsql(options.ConnectionString, npgsql =>
        {
            if (retryOnFailure) npgsql.EnableRetryOnFailure();
        }),
        StoreProvider.Sqlite => db.UseSqlite(options.ConnectionString),
        _ => throw new OptionsValidationException(StoreOptions.Section, typeof(StoreOptions), [$"Store:Provider '{options.Provider}' is not one of Sqlite, Postgres"]),
    };

    /// <summary>Brings the schema up to date: migrations on PostgreSQL, schema creation on SQLite (migrations are PostgreSQL's only).</summary>
    public static async Task EnsureSchemaAsync(ProductsDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
            await db.Database.MigrateAsync(cancellationToken);
        else
            await db.Database.EnsureCreatedAsync(cancellationToken);
    }
}
