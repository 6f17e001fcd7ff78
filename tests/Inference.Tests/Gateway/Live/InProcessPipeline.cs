using Inference.Classifier;
using Inference.Extractor;
using Inference.Hosting;
using Inference.Orchestrator;
using Inference.Sagas;
using Inference.Store;
using Inference.Validator;
using MassTransit;
using MassTransit.Saga;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// Every service but the Gateway in this test process, composed as <c>EmbeddedPipeline</c> does, but on RabbitMQ and PostgreSQL:
/// the Orchestrator's saga, the Classifier, every routed Extractor, the Validator, the Store.
/// </summary>
public sealed class InProcessPipeline : IAsyncDisposable
{
    readonly IHost _host;

    InProcessPipeline(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    /// <summary>The saga repository the Orchestrator writes; the gateways under test read this same one (in memory until the Redis one lands).</summary>
    public IndexedSagaDictionary<ProductState> Sagas => _host.Services.GetRequiredService<IndexedSagaDictionary<ProductState>>();

    /// <summary>The pipeline's own bus, to publish what no gateway would let through.</summary>
    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    public static async Task<InProcessPipeline> StartAsync(IDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        // The embedded run's routing and queue settings (the CLI's embedded.json), on the servers the settings name.
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "embedded.json"), optional: false)
            .AddInMemoryCollection(settings);
        var routing = builder.Configuration.GetSection(RoutingOptions.Section).Get<RoutingOptions>() ?? new RoutingOptions();
        builder.Configuration.AddInMemoryCollection(
            routing.Extractors.Select((name, i) => KeyValuePair.Create($"{ExtractorOptions.Section}:Serve:{i}", (string?)name)));
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());

        builder.Services
            .AddCategoryRouting(builder.Configuration)
            .AddClassifierModel(builder.Configuration)
            .AddExtractorModels(builder.Configuration)
            .AddValidatorRules(builder.Configuration)
            .AddProductStore(builder.Configuration);
        builder.AddInferenceBus(bus =>
        {
            bus.AddProductSaga(builder.Configuration);
            bus.AddClassifier();
            bus.AddExtractor();
            bus.AddValidator();
            bus.AddStore();
        });

        var host = builder.Build();
        await host.StartAsync();
        return new InProcessPipeline(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
