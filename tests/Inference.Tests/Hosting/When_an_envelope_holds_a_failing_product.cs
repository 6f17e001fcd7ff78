using System.Collections.Concurrent;
using Inference.Contracts;
using Inference.Hosting;
using Inference.Loopback;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Hosting;

/// <summary>
/// Products in one envelope (<see cref="ProductBatchSender"/>, <see cref="ProductBatchEndpoint"/>) keep their own fates: a product
/// whose consumer keeps throwing is retried inside the envelope, then sent back to the queue alone, where it is retried again and
/// lands in the <c>_error</c> queue with one fault; its neighbours are consumed once each and go on.
/// </summary>
[TestFixture(false)]
[TestFixture(true, Category = "Integration")]
public sealed class When_an_envelope_holds_a_failing_product(bool onRealServers)
{
    const string Queue = "widgets";
    const int Products = 12;
    static readonly QueueSettings Settings = new() { RetryLimit = 1, RetryIntervalMs = 10, BatchSize = 8, ConcurrencyLimit = 8 };

    readonly WidgetConsumer.Calls _calls = new();
    readonly List<Guid> _products = [.. Enumerable.Range(0, Products).Select(_ => Guid.NewGuid())];
    RabbitMqVirtualHost? _broker;
    ServiceProvider _provider = null!;
    ITestHarness _harness = null!;

    Guid Bad => _products[3];

    [OneTimeSetUp]
    public async Task Given()
    {
        _calls.Failing[Bad] = true;
        if (onRealServers) _broker = await RabbitMqVirtualHost.CreateAsync("envelope-failing-product");
        var services = new ServiceCollection();
        services.AddSingleton(_calls);
        services.AddOptions<QueueOptions>().Configure(q =>
        {
            q.Default = Settings;
            q.Overrides.Clear();
        });
        services.AddSingleton<ProductBatchSender>();
        services.AddMassTransitTestHarness(bus =>
        {
            bus.SetTestTimeouts(testTimeout: TimeSpan.FromSeconds(60));
            bus.AddConsumer<WidgetConsumer>().Endpoint(e => e.Name = Queue);
            bus.AddConfigureEndpointsCallback((_, name, endpoint) =>
            {
                if (name != Queue) return;
                endpoint.Apply(Settings);
                endpoint.AcceptProductBatches<Widget>();
            });
            if (_broker is null)
                bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            else
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(_broker.Servers.RabbitMq.Host, (ushort)_broker.Servers.RabbitMq.Port, _broker.Name, host =>
                    {
                        host.Username(_broker.Servers.RabbitMqUsername);
                        host.Password(_broker.Servers.RabbitMqPassword);
                    });
                    cfg.ConfigureEndpoints(context);
                });
        });
        _provider = services.BuildServiceProvider(validateScopes: true);
        _harness = _provider.GetTestHarness();
        await _harness.Start();

        // Sent together, as a model batch's answers are: they leave in envelopes of at most the queue's batch size.
        var sender = _provider.GetRequiredService<ProductBatchSender>();
        await Task.WhenAll(_products.Select(id => sender.Send(new Uri($"queue:{Queue}"), new Widget(id), CancellationToken.None)));

        var giveUpAt = DateTime.UtcNow + _harness.TestTimeout;
        while (!(_calls.Done.Count >= Products - 1 && _harness.Published.Select<Fault<Widget>>().Any()) && DateTime.UtcNow < giveUpAt)
            await Task.Delay(50);
        await _harness.InactivityTask;
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _provider.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
    }

    [Test]
    public void Should_carry_several_products_per_envelope()
    {
        var envelopes = _harness.Sent.Select<ProductBatch<Widget>>().Select(m => m.Context.Message.Items.Count).ToList();
        Assert.That(envelopes.Sum(), Is.EqualTo(Products), "every product travelled in an envelope");
        Assert.That(envelopes, Has.All.InRange(1, Settings.BatchSize));
        Assert.That(envelopes.Count, Is.LessThan(Products), "products sent together share envelopes");
    }

    [Test]
    public void Should_consume_each_neighbour_once()
    {
        var good = _products.Where(id => id != Bad).ToList();
        Assert.That(_calls.Done.Keys, Is.EquivalentTo(good));
        Assert.That(good.Select(id => _calls.Attempts[id]), Has.All.EqualTo(1));
    }

    [Test]
    public void Should_retry_the_failing_product_in_the_envelope_then_alone()
    {
        // One try and one retry inside the envelope, then the same alone.
        Assert.That(_calls.Attempts[Bad], Is.EqualTo(2 * (1 + Settings.RetryLimit)));
        Assert.That(_calls.Done.ContainsKey(Bad), Is.False);
    }

    [Test]
    public void Should_fault_the_failing_product_once()
    {
        var faults = _harness.Published.Select<Fault<Widget>>().Select(m => m.Context.Message.Message.ProductId).ToList();
        Assert.That(faults, Is.EqualTo(new[] { Bad }));
    }

    [Test]
    public async Task Should_leave_the_failing_product_alone_in_the_error_queue()
    {
        if (_broker is null) Assert.Ignore("the _error queue is the broker's");
        var giveUpAt = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await _broker.MessagesInAsync($"{Queue}_error") < 1 && DateTime.UtcNow < giveUpAt) await Task.Delay(200);
        Assert.That(await _broker.MessagesInAsync($"{Queue}_error"), Is.EqualTo(1));
    }
}

public sealed record Widget(Guid ProductId);

public sealed class WidgetConsumer(WidgetConsumer.Calls calls) : IConsumer<Widget>
{
    public sealed class Calls
    {
        public ConcurrentDictionary<Guid, bool> Failing { get; } = new();
        public ConcurrentDictionary<Guid, int> Attempts { get; } = new();
        public ConcurrentDictionary<Guid, bool> Done { get; } = new();
    }

    public Task Consume(ConsumeContext<Widget> context)
    {
        var id = context.Message.ProductId;
        calls.Attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
        if (calls.Failing.ContainsKey(id)) throw new InvalidOperationException($"widget {id} cannot be handled");
        calls.Done[id] = true;
        return Task.CompletedTask;
    }
}
