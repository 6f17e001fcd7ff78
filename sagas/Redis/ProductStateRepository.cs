using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Inference.Sagas.Redis;

/// <summary>Where <see cref="ProductState"/> is kept: the one call for the Orchestrator (which runs the saga) and for any process that reads it.</summary>
public static class ProductStateRepository
{
    /// <summary>
    /// The states a product leaves only when asked (a retry, a new text, reprocessing); a product in one of them expires after
    /// <c>SagaRepository:Redis:FinishedExpiry</c>, and stops expiring when it runs again.
    /// </summary>
    public static readonly IReadOnlyCollection<string> FinishedStates = [nameof(ProductStateMachine.Completed), nameof(ProductStateMachine.Faulted)];

    // Read off the type, so the names cannot drift from the machine and no machine (with its routing table) need be built.
    static readonly IReadOnlyCollection<string> States = typeof(ProductStateMachine).GetProperties()
        .Where(p => p.PropertyType == typeof(State))
        .Select(p => p.Name)
        .ToArray();

    /// <summary>The repository <c>SagaRepository:Kind</c> names: <c>InMemory</c> (the default) or <c>Redis</c>.</summary>
    public static ISagaRegistrationConfigurator<ProductState> ConfiguredRepository(
        this ISagaRegistrationConfigurator<ProductState> saga, IConfiguration configuration) =>
        saga.ConfiguredRepository(configuration, product => product.CurrentState, States, FinishedStates, [nameof(ProductStateMachine.Faulted)]);

    /// <summary>
    /// The lists of products the repository keeps besides the sagas: in flight (stage deadlines, back-pressure) and Faulted
    /// (retry by filter), from Redis or, in memory, from queries; and the stage table's tallies the history samples.
    /// </summary>
    public static IServiceCollection AddProductIndexes(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        if (configuration.GetSection(SagaRepositoryOptions.Section).Get<SagaRepositoryOptions>()?.Kind == SagaRepositoryKind.Redis)
        {
            services.TryAddSingleton<IInFlightProducts, RedisInFlightProducts>();
            services.TryAddSingleton<IFaultedProducts, RedisFaultedProducts>();
            services.TryAddSingleton<IPipelineTallies, RedisPipelineTallies>();
        }
        else
        {
            services.TryAddSingleton<IInFlightProducts, InMemoryInFlightProducts>();
            services.TryAddSingleton<IFaultedProducts, InMemoryFaultedProducts>();
            services.TryAddSingleton<InMemoryPipelineTallies>();
            services.TryAddSingleton<IPipelineTallies>(provider => provider.GetRequiredService<InMemoryPipelineTallies>());
        }

        return services;
    }
}
