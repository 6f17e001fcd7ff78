using Inference.Contracts;
using Inference.Data;
using Inference.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inference.Store;

/// <summary>The Store's batch job: the products of concurrent <c>store</c> messages upserted in one round trip; each gets its stored revision.</summary>
public sealed class UpsertBatch(IServiceScopeFactory scopes, IOptions<QueueOptions> queues)
    : MicroBatcher<StoreProduct, long>((products, cancellationToken) => UpsertAsync(scopes, products, cancellationToken), queues.Value.For(QueueNames.Store).Batch)
{
    static async Task<IReadOnlyList<long>> UpsertAsync(IServiceScopeFactory scopes, IReadOnlyList<StoreProduct> products, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var revisions = await scope.ServiceProvider.GetRequiredService<ProductUpsert>().UpsertAsync(products, cancellationToken);
        return products.Select(p => revisions[p.ProductId]).ToArray();
    }
}
