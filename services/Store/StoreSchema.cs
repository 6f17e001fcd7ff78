using Inference.Data;
using System.Data.Common;
using Inference.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inference.Store;

/// <summary>
/// Brings the schema up to date before the store consumes: migrations on PostgreSQL, schema creation on SQLite.
/// An unreachable database is reported in one line and retried with backoff; the bus starts only after it.
/// </summary>
public sealed class StoreSchema(IServiceScopeFactory scopes, IOptions<StoreOptions> options, ILogger<StoreSchema> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStart) return;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await ProductsDatabase.EnsureSchemaAsync(scope.ServiceProvider.GetRequiredService<ProductsDbContext>(), cancellationToken);
                logger.LogInformation("Store schema is up to date on {Provider} at {Address}", options.Value.Provider, options.Value.Address());
                return;
            }
            catch (Exception e) when (e is DbException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                var delay = Backoff.Delay(attempt);
                logger.LogWarning("{Provider} at {Address} is unreachable ({Reason}); retrying in {Delay:0.#} s",
                    options.Value.Provider, options.Value.Address(), (e.InnerException ?? e).Message, delay.TotalSeconds);
                try { await Task.Delay(delay, cancellationToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
