using Inference.Contracts;
using Inference.Hosting;
using MassTransit;

namespace Inference.Validator;

/// <summary>Validates a product's MPN and GTIN (the MPN model's call shared with its neighbours) and gives the saga the verdicts.</summary>
public sealed class ValidateIdentifiersConsumer(IdentifierValidator validator, ValidationBatch batch, SagaAnswers answers)
    : IConsumer<ValidateIdentifiers>
{
    public async Task Consume(ConsumeContext<ValidateIdentifiers> context)
    {
        var verdicts = await batch.SubmitAsync(context.Message, context.CancellationToken);
        await answers.Send(context, new IdentifiersValidated(context.Message.ProductId, verdicts, validator.Model));
    }
}
