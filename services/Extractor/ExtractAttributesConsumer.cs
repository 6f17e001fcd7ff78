using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using MassTransit;

namespace Inference.Extractor;

/// <summary>Runs the extractor the saga routed the product to and publishes what it found.</summary>
public sealed class ExtractAttributesConsumer(ExtractorCatalog extractors) : IConsumer<ExtractAttributes>
{
    public Task Consume(ConsumeContext<ExtractAttributes> context)
    {
        if (context.Message.Text is null)
            throw new PermanentFailureException($"ExtractAttributes for {context.Message.ProductId} has no text");
        IAttributeExtractor extractor;
        try { extractor = extractors.Get(context.Message.Extractor); }
        catch (UnknownExtractorException e) { throw new PermanentFailureException(e.Message, e); }

        var found = extractor.Extract([context.Message.Text])[0];
        return context.Publish(new AttributesExtracted(
            context.Message.ProductId, found.Brand, found.Mpn, found.Gtin, found.Attributes, extractor.Model));
    }
}
