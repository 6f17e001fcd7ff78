using Inference.Cli;
using Inference.Gateway;
using Inference.Gateway.Pipeline;
using Inference.Sagas;
using MassTransit;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// Every service but the Gateway in this test process, composed as <c>EmbeddedPipeline</c> does, but on RabbitMQ and PostgreSQL:
/// the Orchestrator's saga, the Classifier, every routed Extractor, the Validator, the Store.
/// </summary>
public sealed class InProcessPipeline : IAsyncDisposable
{
    readonly IHost _host;

    InProcessPipeline(IHost host, LogCapture logs)
    {
        _host = host;
        Logs = logs;
    }

    /// <summary>What the services logged, to check their warnings.</summary>
    public LogCapture Logs { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>The saga repository the Orchestrator writes; the gateways under test read this same one (in memory unless the settings name Redis).</summary>
    public IndexedSagaDictionary<ProductState> Sagas => _host.Services.GetRequiredService<IndexedSagaDictionary<ProductState>>();

    /// <summary>What the Orchestrator tallied, for the gateways to sample.</summary>
    public InMemoryPipelineTallies Tallies => _host.Services.GetRequiredService<InMemoryPipelineTallies>();

    /// <summary>The history every gateway of this process shares (one samples at a time), as gateways on one Redis share theirs.</summary>
    public InMemoryPipelineHistory History => _history ??= new InMemoryPipelineHistory(
        Options.Create(new GatewayOptions { History = { SampleEvery = TimeSpan.FromSeconds(1) } }), Tallies);

    InMemoryPipelineHistory? _history;

    /// <summary>The pipeline's own bus, to publish what no gateway would let through.</summary>
    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    public static async Task<InProcessPipeline> StartAsync(IDictionary<string, string?> settings)
    {
        // The embedded run's composition and its routing and queue settings (embedded.json), on the servers the settings name.
        var builder = EmbeddedPipeline.CreateBuilder(settings);
        var logs = new LogCapture();
        builder.Logging.AddProvider(logs);
        var host = builder.Build();
        await host.StartAsync();

        // The host's start does not wait for the receive endpoints: until the saga's queue is declared and bound, a product the
        // Gateway publishes goes to an exchange nothing is bound to, and RabbitMQ drops it (seen after the chaos run, on a busy
        // machine: the product never arrived). Healthy means every endpoint is consuming.
        var status = await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromMinutes(2));
        if (status != BusHealthStatus.Healthy)
            throw new TimeoutException($"the in-process pipeline's bus is {status} two minutes after its start");
        return new InProcessPipeline(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
