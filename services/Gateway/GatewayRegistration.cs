using Inference.Data;
using Inference.Gateway.Health;
using Inference.Gateway.Pipeline;
using Inference.Gateway.Products;
using Inference.Gateway.Reprocessing;
using Inference.Hosting;
using Inference.Sagas.Redis;
using Inference.Sagas;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Inference.Gateway;

/// <summary>What the Gateway adds to its host, one method per part, so <c>Program.cs</c> stays a wiring diagram.</summary>
public static class GatewayRegistration
{
    public static IServiceCollection AddGatewayOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        services.AddExceptionHandler<DependencyOutages>();
        return services;
    }

    /// <summary>Products in: the body reader on the rule set the saga's door applies to messages on the bus, back-pressure, the Idempotency-Key memory and the saga's indexes (in flight, Faulted).</summary>
    public static IServiceCollection AddProductIntake(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddProductTextRules(configuration);
        services.AddSingleton<ProductSubmissionReader>();
        services.AddSingleton<BackPressure>();
        services.AddProductIndexes(configuration);
        if (configuration.GetSection(SagaRepositoryOptions.Section).Get<SagaRepositoryOptions>()?.Kind == SagaRepositoryKind.Redis)
            services.AddSingleton<IIdempotencyKeys, RedisIdempotencyKeys>();
        else
            services.AddSingleton<IIdempotencyKeys, InMemoryIdempotencyKeys>();
        return services;
    }

    /// <summary>Re-enrichment jobs over the stored products, stopped with the gateway.</summary>
    public static IServiceCollection AddReprocessing(this IServiceCollection services)
    {
        services.AddSingleton<ReprocessJobs>();
        services.AddHostedService(provider => provider.GetRequiredService<ReprocessJobs>());
        return services;
    }

    /// <summary>Read-only access to the Store's products table; the Gateway never migrates it (the Store does).</summary>
    public static IServiceCollection AddProductRecords(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StoreOptions>().Bind(configuration.GetSection(StoreOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>());
        // Reads fail fast: a request (or a readiness probe) is answered within seconds while PostgreSQL is down, not held
        // through EF's retries; the caller gets 503 and retries itself.
        services.AddDbContext<ProductsDbContext>((provider, db) =>
            ProductsDatabase.UseProvider(db, provider.GetRequiredService<IOptions<StoreOptions>>().Value, retryOnFailure: false)
                .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking));

        var store = configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        services.AddHealthChecks()
            .AddDbContextCheck<ProductsDbContext>(store.Provider == StoreProvider.Postgres ? "postgres" : "sqlite", tags: [ServiceDefaults.ReadyTag]);
        return services;
    }

    public static IServiceCollection AddPipelineStatistics(this IServiceCollection services, IConfiguration configuration)
    {
        // The history every replica reads: in Redis beside the product states, or in this process when those are in memory.
        if (configuration.GetSection(SagaRepositoryOptions.Section).Get<SagaRepositoryOptions>()?.Kind == SagaRepositoryKind.Redis)
            services.AddSingleton<IPipelineHistory, RedisPipelineHistory>();
        else
            services.AddSingleton<IPipelineHistory, InMemoryPipelineHistory>();
        services.AddSingleton<PipelineSampler>();
        services.AddHostedService(provider => provider.GetRequiredService<PipelineSampler>());
        services.AddSingleton<PipelineFigures>();
        services.AddHttpClient<RabbitMqQueues>(client => client.Timeout = TimeSpan.FromSeconds(5));
        // Built with the meter provider, so the queue gauges are served from the first scrape.
        services.AddSingleton<QueueGauges>();
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics
            .AddMeter(QueueGauges.MeterName, RedisSagaMetrics.MeterName)
            .AddInstrumentation(provider => provider.GetRequiredService<QueueGauges>()));
        services.AddHttpClient<DeadLetterQueues>(client => client.Timeout = TimeSpan.FromSeconds(5));
        return services;
    }

    public static IServiceCollection AddGatewayHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: [ServiceDefaults.ReadyTag]);
        return services;
    }
}
