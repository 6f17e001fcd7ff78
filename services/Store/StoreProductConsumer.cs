using Inference.Contracts;
using Inference.Hosting;
using MassTransit;

namespace Inference.Store;

/// <summary>Upserts the enriched product (in one round trip with its neighbours) and gives the saga its revision.</summary>
public sealed class StoreProductConsumer(UpsertBatch batch, SagaAnswers answers) : IConsumer<StoreProduct>
{
    public async Task Consume(ConsumeContext<StoreProduct> context)
    {
        var revision = await batch.SubmitAsync(context.Message, context.CancellationToken);
        await answers.Send(context, new ProductStored(context.Message.ProductId, revision, DateTimeOffset.UtcNow));
    }
}
