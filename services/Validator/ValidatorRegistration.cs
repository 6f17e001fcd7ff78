using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using Inference.Models.Null;
using Inference.Models.Onnx;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inference.Validator;

/// <summary>What the Validator service adds to a host: its rules, its model and its consumer.</summary>
public static class ValidatorRegistration
{
    public static IServiceCollection AddValidatorRules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => Gs1PrefixTable.Load());
        services.AddSingleton<GtinRules>();
        services.AddSingleton<MpnRules>();
        var models = ModelOptions.From(configuration);
        switch (models.Kind)
        {
            case ModelKind.Null: services.AddSingleton<IMpnScorer, NullMpnScorer>(); break;
            case ModelKind.Onnx: services.AddSingleton<IMpnScorer>(OnnxModels.MpnScorer(models)); break; // loaded now: refused at start-up
            // Baseline: the shape rules alone
        }

        services.AddSingleton(provider => new IdentifierValidator(
            provider.GetRequiredService<GtinRules>(), provider.GetRequiredService<MpnRules>(), provider.GetService<IMpnScorer>()));
        services.AddSingleton<ValidationBatch>();
        return services;
    }

    public static IBusRegistrationConfigurator AddValidator(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ValidateIdentifiersConsumer, ValidateIdentifiersConsumerDefinition>();
        return bus;
    }
}
