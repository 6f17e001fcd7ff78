using Inference.Sagas;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inference.Orchestrator;

/// <summary>What the Orchestrator adds to a host: the routing table and the product saga.</summary>
public static class OrchestratorRegistration
{
    public static IServiceCollection AddCategoryRouting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RoutingOptions>().Bind(configuration.GetSection(RoutingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();
        services.AddSingleton<CategoryRouter>();
        return services;
    }

    public static IBusRegistrationConfigurator AddProductSaga(this IBusRegistrationConfigurator bus)
    {
        bus.AddSagaStateMachine<ProductStateMachine, ProductState, ProductStateDefinition>().InMemoryRepository();
        return bus;
    }
}
