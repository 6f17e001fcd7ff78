using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Validator;

/// <summary>What the Validator service adds to a host: its rules, its model and its consumer.</summary>
public static class ValidatorRegistration
{
    public static IServiceCollection AddValidatorRules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => Gs1PrefixTable.Load());
        services.AddSingleton<GtinRules>();
        services.AddSingleton<MpnRules>();
        services.AddSingleton(provider => new IdentifierValidator(
            provider.GetRequiredService<GtinRules>(), provider.GetRequiredService<MpnRules>()));
        return services;
    }

    public static IBusRegistrationConfigurator AddValidator(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ValidateIdentifiersConsumer, ValidateIdentifiersConsumerDefinition>();
        return bus;
    }
}
