using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using Microsoft.Extensions.Options;

namespace Inference.Classifier;

/// <summary>The fast classifier's batch job: the texts of concurrent <c>classify</c> messages in one model call.</summary>
public sealed class ClassificationBatch(ICategoryClassifier classifier, IOptions<QueueOptions> queues)
    : MicroBatcher<string, CategoryPrediction>(Classifications.Measured(classifier.Model, classifier.Classify), queues.Value.For(QueueNames.Classify).Batch);

/// <summary>The deep classifier's batch job: the texts of concurrent <c>classify-deep</c> messages in one encoder call.</summary>
public sealed class DeepClassificationBatch(IDeepCategoryClassifier classifier, IOptions<QueueOptions> queues)
    : MicroBatcher<string, CategoryPrediction>(Classifications.Measured(classifier.Model, classifier.Classify), queues.Value.For(QueueNames.ClassifyDeep).Batch);

/// <summary>A classifier's batches, counted and timed, and each answer's confidence and category (<see cref="ModelMetrics"/>).</summary>
static class Classifications
{
    public static Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyList<CategoryPrediction>>> Measured(
        ModelRef model, Func<IReadOnlyList<string>, IReadOnlyList<CategoryPrediction>> classify) =>
        ModelMetrics.Measured<string, CategoryPrediction>(model.Name, texts =>
        {
            var predictions = classify(texts);
            foreach (var prediction in predictions) ModelMetrics.RecordPrediction(model.Name, prediction.Category, prediction.Confidence);
            return predictions;
        });
}
