using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using MassTransit;

namespace Inference.Classifier;

/// <summary>Classifies one product (its model call shared with the messages consumed beside it) and gives the saga the category (<see cref="SagaAnswers"/>).</summary>
public sealed class ClassifyProductConsumer(ICategoryClassifier classifier, ClassificationBatch batch, SagaAnswers answers)
    : IConsumer<ClassifyProduct>
{
    public async Task Consume(ConsumeContext<ClassifyProduct> context)
    {
        // Empty text has a defined answer (no category); a missing one is a malformed message that no retry mends.
        if (context.Message.Text is null)
            throw new PermanentFailureException($"ClassifyProduct for {context.Message.ProductId} has no text");
        var prediction = await batch.SubmitAsync(context.Message.Text, context.CancellationToken);
        await answers.Send(context, new ProductClassified(
            context.Message.ProductId, prediction.Category, prediction.Confidence, prediction.TopK, classifier.Model));
    }
}
