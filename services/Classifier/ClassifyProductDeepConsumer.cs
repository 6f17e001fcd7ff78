using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using MassTransit;

namespace Inference.Classifier;

/// <summary>Decides the category of a product the fast classifier was unsure of, with the deep model, and gives it to the saga as the deciding answer.</summary>
public sealed class ClassifyProductDeepConsumer(IDeepCategoryClassifier classifier, DeepClassificationBatch batch, SagaAnswers answers) : IConsumer<ClassifyProductDeep>
{
    public async Task Consume(ConsumeContext<ClassifyProductDeep> context)
    {
        if (context.Message.Text is null)
            throw new PermanentFailureException($"ClassifyProductDeep for {context.Message.ProductId} has no text");
        var prediction = await batch.SubmitAsync(context.Message.Text, context.CancellationToken);
        await answers.Send(context, new ProductClassified(
            context.Message.ProductId, prediction.Category, prediction.Confidence, prediction.TopK, classifier.Model, QueueNames.ClassifyDeep));
    }
}
