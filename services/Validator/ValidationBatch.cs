using Inference.Contracts;
using Inference.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Validator;

/// <summary>The Validator's batch job: the identifiers of concurrent <c>validate</c> messages scored in one model call.</summary>
public sealed class ValidationBatch(IdentifierValidator validator, IOptions<QueueOptions> queues)
    : MicroBatcher<ValidateIdentifiers, IReadOnlyList<IdentifierVerdict>>(
        ModelMetrics.Measured<ValidateIdentifiers, IReadOnlyList<IdentifierVerdict>>(validator.Model.Name, validator.Validate),
        queues.Value.For(QueueNames.Validate).Batch);
