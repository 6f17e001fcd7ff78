using Inference.Contracts;
using Inference.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Validator;

/// <summary>The validator listens on the <c>validate</c> queue.</summary>
public sealed class ValidateIdentifiersConsumerDefinition(IOptions<QueueOptions> options)
    : QueueConsumerDefinition<ValidateIdentifiersConsumer, ValidateIdentifiers>(QueueNames.Validate, options);
