using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using Microsoft.Extensions.Options;

namespace Inference.Classifier;

/// <summary>The fast classifier's batch job: the texts of concurrent <c>classify</c> messages in one model call.</summary>
public sealed class ClassificationBatch(ICategoryClassifier classifier, IOptions<QueueOptions> queues)
    : MicroBatcher<string, CategoryPrediction>((texts, _) => Task.FromResult(classifier.Classify(texts)), queues.Value.For(QueueNames.Classify).Batch);

/// <summary>The deep classifier's batch job: the texts of concurrent <c>classify-deep</c> messages in one encoder call.</summary>
public sealed class DeepClassificationBatch(IDeepCategoryClassifier classifier, IOptions<QueueOptions> queues)
    : MicroBatcher<string, CategoryPrediction>((texts, _) => Task.FromResult(classifier.Classify(texts)), queues.Value.For(QueueNames.ClassifyDeep).Batch);
