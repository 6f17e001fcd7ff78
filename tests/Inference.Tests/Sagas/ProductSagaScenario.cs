using Inference.Contracts;
using Inference.Hosting;
using Inference.Orchestrator;
using Inference.Sagas;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Sagas;

/// <summary>The product saga on MassTransit's test harness, with scripted stand-ins on the real queue names.</summary>
public abstract class ProductSagaScenario
{
    protected static readonly string[] Extractors = ["computers-accessories", "office-products", "home-garden", "jewelry-watches", "generic"];

    static readonly QueueSettings FastRetry = new() { RetryLimit = 1, RetryIntervalMs = 10 };

    ServiceProvider? _provider;

    protected Script Script { get; } = new();
    protected ITestHarness Harness { get; private set; } = null!;
    protected ISagaStateMachineTestHarness<ProductStateMachine, ProductState> Saga { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Routing:MinConfidence"] = "0.5",
            ["Routing:Fallback"] = "generic",
            ["Routing:Routes:computers-accessories"] = "computers-accessories",
            ["Routing:Routes:office-products"] = "office-products",
            ["Routing:Routes:home-garden"] = "home-garden",
            ["Routing:Routes:jewelry-watches"] = "jewelry-watches",
        }).Build();

        var services = new ServiceCollection();
        services.AddSingleton(Script);
        services.AddCategoryRouting(configuration);
        services.AddOptions<QueueOptions>().Configure(q => q.Default = FastRetry);
        services.AddMassTransitTestHarness(bus =>
        {
            bus.AddProductSaga();
            bus.AddConsumer<ScriptedClassifier>().Endpoint(e => e.Name = QueueNames.Classify);
            bus.AddConsumer<ScriptedExtractor>().ExcludeFromConfigureEndpoints();
            bus.AddConsumer<ScriptedValidator>().Endpoint(e => e.Name = QueueNames.Validate);
            bus.AddConsumer<ScriptedStore>().Endpoint(e => e.Name = QueueNames.Store);
            bus.AddConfigureEndpointsCallback((_, _, endpoint) => endpoint.Apply(FastRetry));
            bus.UsingInMemory((context, cfg) =>
            {
                foreach (var extractor in Extractors)
                    cfg.ReceiveEndpoint(QueueNames.Extract(extractor), e =>
                    {
                        e.Apply(FastRetry);
                        e.ConfigureConsumer<ScriptedExtractor>(context);
                    });
                cfg.ConfigureEndpoints(context);
            });
        });
        _provider = services.BuildServiceProvider(validateScopes: true);
        Harness = _provider.GetTestHarness();
        await Harness.Start();
        Saga = Harness.GetSagaStateMachineHarness<ProductStateMachine, ProductState>();
        await Given();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_provider is not null) await _provider.DisposeAsync();
    }

    /// <summary>What happens in this scenario; the tests then assert on it.</summary>
    protected abstract Task Given();

    protected Task Receive(Guid productId, string text = "acme ac-1000 usb keyboard black") =>
        Harness.Bus.Publish(new ProductTextReceived(productId, "test", productId.ToString("N"), text, DateTimeOffset.UtcNow));

    /// <summary>Waits until the saga reaches <paramref name="state"/> and returns it; fails the test when it does not.</summary>
    protected async Task<ProductState> InState(Guid productId, Func<ProductStateMachine, State> state)
    {
        var found = await Saga.Exists(productId, state);
        Assert.That(found, Is.Not.Null, $"saga {productId} never reached {state(Saga.StateMachine).Name}");
        return Saga.Sagas.ContainsInState(productId, Saga.StateMachine, state)
               ?? throw new AssertionException($"saga {productId} left {state(Saga.StateMachine).Name} before it was read");
    }
}
