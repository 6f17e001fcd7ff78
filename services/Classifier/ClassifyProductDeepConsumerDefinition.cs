using Inference.Contracts;
using Inference.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Classifier;

/// <summary>The deep classifier listens on the <c>classify-deep</c> queue.</summary>
public sealed class ClassifyProductDeepConsumerDefinition(IOptions<QueueOptions> options)
    : QueueConsumerDefinition<ClassifyProductDeepConsumer, ClassifyProductDeep>(QueueNames.ClassifyDeep, options);
