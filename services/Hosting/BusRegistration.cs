using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Hosting;

/// <summary>Wires a service's consumers and sagas onto the transport chosen by configuration.</summary>
public static class BusRegistration
{
    public static IHostApplicationBuilder AddInferenceBus(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> register)
    {
        builder.Services.AddOptions<TransportOptions>().Bind(builder.Configuration.GetSection(TransportOptions.Section)).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TransportOptions>, TransportOptionsValidator>());
        builder.Services.AddOptions<QueueOptions>().Bind(builder.Configuration.GetSection(QueueOptions.Section)).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QueueOptions>, QueueOptionsValidator>());
        builder.Services.TryAddSingleton<ProductBatchSender>();
        builder.Services.TryAddSingleton<SagaAnswers>();

        var transport = builder.Configuration.GetSection(TransportOptions.Section).Get<TransportOptions>() ?? new TransportOptions();
        if (transport.Kind == TransportKind.RabbitMq)
        {
            builder.Services.AddServerProbe(new ServerAddress("RabbitMQ", transport.RabbitMq.Host, transport.RabbitMq.Port));
            builder.Services.AddSingleton<BusWatchdog>();
            builder.Services.AddHostedService(provider => provider.GetRequiredService<BusWatchdog>());
            builder.Services.AddSingleton<ConsumedQueues>();
            builder.Services.AddReceiveEndpointObserver(provider => provider.GetRequiredService<ConsumedQueues>());
            builder.Services.AddHealthChecks().AddCheck<BusWatchdog>("bus-probe", tags: [ServiceDefaults.LiveTag]);
            builder.Services.AddSingleton<IQueueDepths, RabbitMqQueueDepths>();
        }
        else
        {
            builder.Services.AddSingleton<IQueueDepths, UnknownQueueDepths>();
        }
        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit would report usage to a host outside the deployment.
            bus.ConfigureUsageTelemetryOptions(telemetry => telemetry.Enabled = false);
            bus.SetKebabCaseEndpointNameFormatter();
            register(bus);
            switch (transport.Kind)
            {
                case TransportKind.InMemory:
                    bus.UsingInMemory((context, cfg) => ConfigureEndpoints(context, cfg));
                    break;
                case TransportKind.RabbitMq:
                    bus.UsingRabbitMq((context, cfg) =>
                    {
                        var rabbit = context.GetRequiredService<IOptions<TransportOptions>>().Value.RabbitMq;
                        cfg.Host(rabbit.Host, (ushort)rabbit.Port, rabbit.VirtualHost, host =>
                        {
                            host.Username(rabbit.Username);
                            host.Password(rabbit.Password);
                            host.PublisherConfirmation = true;
                        });
                        ConfigureEndpoints(context, cfg);
                    });
                    break;
                default:
                    throw new OptionsValidationException(TransportOptions.Section, typeof(TransportOptions),
                        [$"Transport:Kind '{transport.Kind}' is not one of InMemory, RabbitMq"]);
            }
        });

        return builder;
    }

    /// <summary>Names a server this service needs, so an unreachable one is reported in one clear line at start-up.</summary>
    public static IServiceCollection AddServerProbe(this IServiceCollection services, ServerAddress server)
    {
        services.AddSingleton(server);
        if (!services.Any(d => d.ImplementationType == typeof(ServerProbe)))
            services.AddHostedService<ServerProbe>();
        return services;
    }

    static void ConfigureEndpoints<TEndpoint>(IBusRegistrationContext context, IBusFactoryConfigurator<TEndpoint> cfg)
        where TEndpoint : IReceiveEndpointConfigurator
    {
        foreach (var contributor in context.GetServices<IReceiveEndpointContributor>())
            contributor.Configure(context, cfg);
        cfg.ConfigureEndpoints(context);
    }
}
