using Inference.Contracts;
using MassTransit;

namespace Inference.Validator;

/// <summary>Validates a product's MPN and GTIN and publishes the verdicts.</summary>
public sealed class ValidateIdentifiersConsumer(IdentifierValidator validator) : IConsumer<ValidateIdentifiers>
{
    public Task Consume(ConsumeContext<ValidateIdentifiers> context) =>
        context.Publish(new IdentifiersValidated(context.Message.ProductId, validator.Validate(context.Message), validator.Model));
}
