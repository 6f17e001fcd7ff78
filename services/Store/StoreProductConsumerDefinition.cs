using Inference.Contracts;
using Inference.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inference.Store;

/// <summary>The store listens on the <c>store</c> queue; while PostgreSQL is down (a restart, a failover) it retries instead of faulting.</summary>
public sealed class StoreProductConsumerDefinition(IOptions<QueueOptions> options)
    : QueueConsumerDefinition<StoreProductConsumer, StoreProduct>(QueueNames.Store, options)
{
    // A connection refused or cut, a server shutting down: transient. A constraint violation is not, and faults at once.
    protected override Func<Exception, bool>? IsOutage => e => e is NpgsqlException { IsTransient: true };
}
