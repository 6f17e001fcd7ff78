using Inference.Contracts;
using Inference.Data;
using Inference.Hosting;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inference.Store;

/// <summary>What the Store service adds to a host: the database, the upsert and the consumer.</summary>
public static class StoreRegistration
{
    public static IServiceCollection AddProductStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StoreOptions>().Bind(configuration.GetSection(StoreOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>());
        services.AddDbContext<ProductsDbContext>((provider, db) =>
            ProductsDatabase.UseProvider(db, provider.GetRequiredService<IOptions<StoreOptions>>().Value));
        services.AddScoped<ProductUpsert>();
        services.AddSingleton<UpsertBatch>();
        services.AddHealthChecks().AddDbContextCheck<ProductsDbContext>("store-database", tags: [ServiceDefaults.ReadyTag]);
        // Before the bus starts, so no message is consumed against a missing table.
        services.Insert(0, ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, StoreSchema>());
        return services;
    }

    public static IBusRegistrationConfigurator AddStore(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<StoreProductConsumer, StoreProductConsumerDefinition>();
        return bus;
    }
}
