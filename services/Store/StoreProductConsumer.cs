using Inference.Contracts;
using MassTransit;

namespace Inference.Store;

/// <summary>Upserts the enriched product and publishes its revision.</summary>
public sealed class StoreProductConsumer(ProductUpsert upsert) : IConsumer<StoreProduct>
{
    public async Task Consume(ConsumeContext<StoreProduct> context)
    {
        var revisions = await upsert.UpsertAsync([context.Message], context.CancellationToken);
        await context.Publish(new ProductStored(context.Message.ProductId, revisions[context.Message.ProductId], DateTimeOffset.UtcNow));
    }
}
