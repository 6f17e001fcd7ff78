using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using MassTransit;

namespace Inference.Classifier;

/// <summary>Classifies one product and publishes the category with its confidence and top-k.</summary>
public sealed class ClassifyProductConsumer(ICategoryClassifier classifier) : IConsumer<ClassifyProduct>
{
    public Task Consume(ConsumeContext<ClassifyProduct> context)
    {
        // Empty text has a defined answer (no category); a missing one is a malformed message that no retry mends.
        if (context.Message.Text is null)
            throw new PermanentFailureException($"ClassifyProduct for {context.Message.ProductId} has no text");
        var prediction = classifier.Classify([context.Message.Text])[0];
        return context.Publish(new ProductClassified(
            context.Message.ProductId, prediction.Category, prediction.Confidence, prediction.TopK, classifier.Model));
    }
}
