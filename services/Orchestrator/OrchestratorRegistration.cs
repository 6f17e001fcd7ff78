using Inference.Sagas;
using Inference.Sagas.Redis;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

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

    /// <summary>The product saga (with its stage-timeout monitor on Redis), kept where <c>SagaRepository:Kind</c> says (in memory unless configured, Redis in production).</summary>
    public static IBusRegistrationConfigurator AddProductSaga(this IBusRegistrationConfigurator bus, IConfiguration configuration)
    {
        bus.AddSagaStateMachine<ProductStateMachine, ProductState, ProductStateDefinition>().ConfiguredRepository(configuration);
        bus.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(RedisSagaMetrics.MeterName));

        // Stage timeouts read the in-flight index only the Redis repository keeps; the embedded run has its own idle timeout.
        if (configuration.GetSection(SagaRepositoryOptions.Section).Get<SagaRepositoryOptions>()?.Kind == SagaRepositoryKind.Redis)
        {
            bus.AddOptions<StageTimeoutOptions>().Bind(configuration.GetSection(StageTimeoutOptions.Section));
            bus.TryAddSingleton(TimeProvider.System);
            bus.AddHostedService<StageTimeoutMonitor>();
        }

        return bus;
    }
}
