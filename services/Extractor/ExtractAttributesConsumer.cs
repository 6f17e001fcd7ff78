using Inference.Contracts;
using Inference.Models;
using MassTransit;

namespace Inference.Extractor;

/// <summary>Runs the extractor the saga routed the product to and publishes what it found.</summary>
public sealed class ExtractAttributesConsumer(ExtractorCatalog extractors) : IConsumer<ExtractAttributes>
{
    public Task Consume(ConsumeContext<ExtractAttributes> context)
    {
        var extractor = extractors.Get(context.Message.Extractor);
        var found = extractor.Extract([context.Message.Text])[0];
        return context.Publish(new AttributesExtracted(
            context.Message.ProductId, found.Brand, found.Mpn, found.Gtin, found.Attributes, extractor.Model));
    }
}
