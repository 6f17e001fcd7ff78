using Inference.Contracts;
using Inference.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Validator;

/// <summary>The Validator's batch job: the identifiers of concurrent <c>validate</c> messages scored in one model call.</summary>
public sealed class ValidationBatch(IdentifierValidator validator, IOptions<QueueOptions> queues)
    : MicroBatcher<ValidateIdentifiers, IReadOnlyList<IdentifierVerdict>>(
        (requests, _) => Task.FromResult(validator.Validate(requests)), queues.Value.For(QueueNames.Validate).Batch);
