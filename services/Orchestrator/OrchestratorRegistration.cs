using Inference.Hosting;
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

    /// <summary>
    /// The product saga behind its door (<see cref="ProductAdmissionFilter"/>) and its stage deadline monitor, kept where <c>SagaRepository:Kind</c> says (in memory unless
    /// configured, Redis in production); the deadlines come from <c>StageTimeout</c>.
    /// </summary>
    public static IBusRegistrationConfigurator AddProductSaga(this IBusRegistrationConfigurator bus, IConfiguration configuration)
    {
        bus.AddSagaStateMachine<ProductStateMachine, ProductState, ProductStateDefinition>().ConfiguredRepository(configuration);
        bus.AddProductTextRules(configuration);
        bus.TryAddSingleton<ProductAdmissionFilter>();
        bus.TryAddSingleton<ProductBatchSender>(); // the commands of a batch of answers, in envelopes per queue
        // The stage table's figures, tallied here and added every second to where the Gateway's history takes them.
        bus.TryAddSingleton<PipelineTally>();
        bus.TryAddSingleton<PipelineTallyFlusher>();
        bus.AddHostedService(provider => provider.GetRequiredService<PipelineTallyFlusher>());
        // The stage gauge is built with the meter provider (not at the first scrape), so it is served from the start.
        bus.TryAddSingleton<StageOccupancy>();
        bus.ConfigureOpenTelemetryMeterProvider(metrics => metrics
            .AddMeter(RedisSagaMetrics.MeterName, StageMetrics.MeterName, ProductAdmissionFilter.MeterName)
            .AddInstrumentation(provider => provider.GetRequiredService<StageOccupancy>()));

        bus.AddOptions<StageDeadlineOptions>().Bind(configuration.GetSection(StageDeadlineOptions.Section)).ValidateOnStart();
        bus.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StageDeadlineOptions>, StageDeadlineOptionsValidator>());
        bus.TryAddSingleton(TimeProvider.System);
        bus.TryAddSingleton<IQueueDepths, UnknownQueueDepths>(); // the bus's registration says where queue depths come from
        bus.AddProductIndexes(configuration);
        bus.AddHostedService<StageDeadlineMonitor>();
        return bus;
    }
}
