using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using MassTransit;

namespace Inference.Extractor;

/// <summary>Runs the extractor the saga routed the product to (sharing its model call with its neighbours) and gives the saga what it found.</summary>
public sealed class ExtractAttributesConsumer(ExtractorBatchers extractors, SagaAnswers answers) : IConsumer<ExtractAttributes>
{
    public async Task Consume(ConsumeContext<ExtractAttributes> context)
    {
        if (context.Message.Text is null)
            throw new PermanentFailureException($"ExtractAttributes for {context.Message.ProductId} has no text");
        IAttributeExtractor extractor;
        MicroBatcher<string, Extraction> batcher;
        try { (extractor, batcher) = extractors.For(context.Message.Extractor); }
        catch (UnknownExtractorException e) { throw new PermanentFailureException(e.Message, e); }

        var found = await batcher.SubmitAsync(context.Message.Text, context.CancellationToken);
        await answers.Send(context, new AttributesExtracted(
            context.Message.ProductId, found.Brand, found.Mpn, found.Gtin, found.Attributes, extractor.Model));
    }
}
