using Inference.Contracts;
using Inference.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Classifier;

/// <summary>The classifier listens on the <c>classify</c> queue.</summary>
public sealed class ClassifyProductConsumerDefinition(IOptions<QueueOptions> options)
    : QueueConsumerDefinition<ClassifyProductConsumer, ClassifyProduct>(QueueNames.Classify, options);
