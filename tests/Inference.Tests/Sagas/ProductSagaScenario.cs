using Inference.Contracts;
using Inference.Hosting;
using Inference.Orchestrator;
using Inference.Sagas;
using Inference.Tests.Integration;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Sagas;

/// <summary>
/// The product saga on MassTransit's test harness, with scripted stand-ins on the real queue names: on the in-memory transport
/// and repository, or (<paramref name="onRealServers"/>) on a RabbitMQ virtual host and a Redis key prefix of its own.
/// </summary>
public abstract class ProductSagaScenario(bool onRealServers = false)
{
    static readonly QueueSettings FastRetry = new() { RetryLimit = 1, RetryIntervalMs = 10 };

    ServiceProvider? _provider;
    readonly List<ServiceProvider> _others = [];
    IConfiguration? _configuration;
    RabbitMqVirtualHost? _broker;
    RedisKeyspace? _keyspace;

    protected Script Script { get; } = new();
    protected ITestHarness Harness { get; private set; } = null!;
    protected IServiceProvider Services => _provider!;
    protected ISagaStateMachineTestHarness<ProductStateMachine, ProductState> Saga { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Routing:MinConfidence"] = "0.5",
            ["Routing:Fallback"] = "generic",
            ["Routing:Routes:computers-accessories"] = "computers-accessories",
            ["Routing:Routes:office-products"] = "office-products",
            ["Routing:Routes:home-garden"] = "home-garden",
            ["Routing:Routes:jewelry-watches"] = "jewelry-watches",
            ["Routing:DeepGate"] = DeepGate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).AddInMemoryCollection(RepositorySettings()).Build();
        _broker = await BrokerAsync();
        _provider = Build();
        Harness = _provider.GetTestHarness();
        await Harness.Start();
        Saga = Harness.GetSagaStateMachineHarness<ProductStateMachine, ProductState>();
        await Given();
    }

    /// <summary>
    /// Starts another process of the same composition on the same broker and repository (a replica, or the Orchestrator
    /// started again after a crash); only possible on a real broker, where it shares the queues.
    /// </summary>
    protected async Task StartAnotherProcessAsync()
    {
        if (_broker is null) throw new InvalidOperationException("another process shares the queues only on a real broker");
        var other = Build();
        _others.Add(other);
        await other.GetTestHarness().Start();
    }

    ServiceProvider Build()
    {
        var (configuration, broker) = (_configuration!, _broker);
        var extractors = configuration.GetSection(RoutingOptions.Section).Get<RoutingOptions>()!.Extractors;
        var services = new ServiceCollection();
        services.AddSingleton(Script);
        services.AddCategoryRouting(configuration);
        // Every queue, the saga's too, retries once and at once: a scenario counts the calls a failure makes.
        services.AddOptions<QueueOptions>().Configure(q =>
        {
            q.Default = FastRetry;
            q.Overrides.Clear();
        });
        services.AddMassTransitTestHarness(bus =>
        {
            // Real servers on a machine shared with other suites: a broker's redelivery or a second process's start can take seconds.
            if (broker is not null) bus.SetTestTimeouts(testTimeout: TimeSpan.FromSeconds(90));
            bus.AddProductSaga(configuration);
            bus.AddConsumer<ScriptedClassifier>().Endpoint(e => e.Name = QueueNames.Classify);
            bus.AddConsumer<ScriptedDeepClassifier>().Endpoint(e => e.Name = QueueNames.ClassifyDeep);
            bus.AddConsumer<ScriptedExtractor>().ExcludeFromConfigureEndpoints();
            bus.AddConsumer<ScriptedValidator>().Endpoint(e => e.Name = QueueNames.Validate);
            bus.AddConsumer<ScriptedStore>().Endpoint(e => e.Name = QueueNames.Store);
            bus.AddConsumer<RunEndListener>().Endpoint(e => e.Name = "scenario-run-ends");
            bus.AddConfigureEndpointsCallback((_, name, endpoint) =>
            {
                endpoint.Apply(FastRetry);
                ConfigureEndpoint(name, endpoint);
            });
            if (broker is null)
                bus.UsingInMemory((context, cfg) => Endpoints(context, cfg));
            else
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(broker.Servers.RabbitMq.Host, (ushort)broker.Servers.RabbitMq.Port, broker.Name, host =>
                    {
                        host.Username(broker.Servers.RabbitMqUsername);
                        host.Password(broker.Servers.RabbitMqPassword);
                    });
                    Endpoints(context, cfg);
                });

            void Endpoints<TEndpoint>(IBusRegistrationContext context, IBusFactoryConfigurator<TEndpoint> cfg)
                where TEndpoint : IReceiveEndpointConfigurator
            {
                foreach (var extractor in extractors)
                    cfg.ReceiveEndpoint(QueueNames.Extract(extractor), e =>
                    {
                        e.Apply(FastRetry);
                        e.ConfigureConsumer<ScriptedExtractor>(context);
                    });
                cfg.ConfigureEndpoints(context);
            }
        });
        return services.BuildServiceProvider(validateScopes: true);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        // A scenario that failed half-way leaves no consumer waiting at a gate: the bus would wait for it to stop.
        foreach (var held in Script.HeldAt.Values) held.Gate.TrySetResult();
        foreach (var other in _others) await other.DisposeAsync();
        if (_provider is not null) await _provider.DisposeAsync();
        await CleanUp();
    }

    /// <summary>Whether the scenario runs on the real RabbitMQ and Redis.</summary>
    protected bool OnRealServers => onRealServers;

    /// <summary>The virtual host of a scenario on the real servers (null in memory).</summary>
    protected RabbitMqVirtualHost? Broker => _broker;

    /// <summary>The RabbitMQ virtual host the scenario runs on; none means MassTransit's in-memory transport.</summary>
    protected virtual async Task<RabbitMqVirtualHost?> BrokerAsync() =>
        onRealServers ? await RabbitMqVirtualHost.CreateAsync(GetType().Name.ToLowerInvariant()) : null;

    /// <summary>Anything a scenario adds to a receive endpoint (<paramref name="name"/> is its queue).</summary>
    protected virtual void ConfigureEndpoint(string name, IReceiveEndpointConfigurator endpoint)
    {
    }

    /// <summary>The fast classifier's confidence below which the deep classifier decides; 0 (off) unless a scenario is about it.</summary>
    protected virtual double DeepGate => 0;

    /// <summary>The <c>SagaRepository</c> settings the scenario runs on; none means the in-memory repository.</summary>
    protected virtual IDictionary<string, string?> RepositorySettings() => onRealServers
        ? (_keyspace = RedisKeyspace.CreateAsync().GetAwaiter().GetResult()).RepositorySettings()
        : new Dictionary<string, string?>();

    /// <summary>Removes what the scenario left on a real server.</summary>
    protected virtual async Task CleanUp()
    {
        if (_keyspace is not null) await _keyspace.DisposeAsync();
        if (onRealServers && _broker is not null) await _broker.DisposeAsync();
    }

    /// <summary>What happens in this scenario; the tests then assert on it.</summary>
    protected abstract Task Given();

    protected Task Receive(Guid productId, string text = "acme ac-1000 usb keyboard black") =>
        Harness.Bus.Publish(new ProductTextReceived(productId, "test", productId.ToString("N"), text, DateTimeOffset.UtcNow));

    /// <summary>Receives a product whose <paramref name="stage"/> throws for it (for classify-deep, one the fast classifier is unsure of).</summary>
    protected async Task<Guid> ReceiveFailingAt(string stage)
    {
        var product = Guid.NewGuid();
        Script.FailAt[product] = stage;
        if (stage == Stage.ClassifyDeep) Script.Categories[product] = ("computers-accessories", DeepGate / 2);
        await Receive(product);
        return product;
    }

    /// <summary>The product's saga as the repository holds it now.</summary>
    protected async Task<ProductState?> Load(Guid productId) =>
        await _provider!.GetRequiredService<ILoadSagaRepository<ProductState>>().Load(productId);

    /// <summary>What the stand-ins were asked (for assertions shared between scenarios).</summary>
    internal Script Calls => Script;

    /// <summary>The product once its saga completed.</summary>
    internal Task<ProductState> Completed(Guid productId) => InState(productId, m => m.Completed);

    /// <summary>Waits until the saga reaches <paramref name="state"/> and returns it as the repository holds it; fails the test when it does not.</summary>
    /// <remarks>
    /// The end of a run is waited on as the saga announces it (<see cref="ProductCompleted"/>, <see cref="ProductFaulted"/>,
    /// published once the state is saved); then, as for any other state, the saga is loaded by id, as the HTTP state query
    /// does, so it works on every repository (Redis answers no queries).
    /// </remarks>
    protected async Task<ProductState> InState(Guid productId, Func<ProductStateMachine, State> state)
    {
        var expected = state(Saga.StateMachine).Name;
        if (expected == nameof(ProductStateMachine.Completed))
            await Heard(() => Script.Ended<ProductCompleted>(productId), $"saga {productId} never announced it completed (it is {(await Load(productId))?.CurrentState})");
        else if (expected == nameof(ProductStateMachine.Faulted))
            await Heard(() => Script.Ended<ProductFaulted>(productId), $"saga {productId} never announced a fault (it is {(await Load(productId))?.CurrentState})");
        return await Until(productId, saga => saga.CurrentState == expected, $"reached {expected}");
    }

    async Task Heard(Func<bool> ended, string failure)
    {
        var giveUpAt = DateTime.UtcNow + Harness.TestTimeout;
        while (!ended())
        {
            if (DateTime.UtcNow > giveUpAt)
                throw new AssertionException($"{failure} ({Script.Ends.Count} ends heard in all)");
            await Task.Delay(10);
        }
    }

    /// <summary>Waits until the saga satisfies <paramref name="condition"/> and returns it; fails the test when it does not.</summary>
    protected async Task<ProductState> Until(Guid productId, Func<ProductState, bool> condition, string what)
    {
        var repository = _provider!.GetRequiredService<ILoadSagaRepository<ProductState>>();
        var giveUpAt = DateTime.UtcNow + Harness.TestTimeout;
        ProductState? saga;
        while ((saga = await repository.Load(productId)) is null || !condition(saga))
        {
            if (DateTime.UtcNow > giveUpAt)
                throw new AssertionException($"saga {productId} never {what} (it is {saga?.CurrentState ?? "absent"}, attempt {saga?.Attempt}, revision {saga?.Revision})");
            await Task.Delay(10);
        }

        return saga;
    }

    /// <summary>Sends a command to the saga's own queue, as the Gateway does.</summary>
    protected async Task SendToSaga<T>(T command)
        where T : class =>
        await (await Harness.Bus.GetSendEndpoint(new Uri($"queue:{QueueNames.ProductState}"))).Send(command);

    /// <summary>Asks for a retry of the product, as <c>POST /v1/products/{id}/retry</c> does.</summary>
    protected Task Retry(Guid productId) => SendToSaga(new RetryProduct(productId, DateTimeOffset.UtcNow));
}
