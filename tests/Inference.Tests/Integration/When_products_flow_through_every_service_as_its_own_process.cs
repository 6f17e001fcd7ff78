using System.Text.Json;
using Inference.Cli;
using Inference.Loopback;
using Inference.Contracts;
using Inference.Hosting;
using Inference.Sagas;
using Inference.Sagas.Redis;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Inference.Tests.Integration;

/// <summary>
/// The production shape on real servers: the Orchestrator, Classifier, two Extractor processes, Validator and Store each its
/// own process, on RabbitMQ (a private virtual host), Redis (a private key prefix) and PostgreSQL (a private database).
/// 2,000 dev records go in as ProductTextReceived; each must end Completed in Redis and exactly once in PostgreSQL.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class When_products_flow_through_every_service_as_its_own_process
{
    const int Products = 2_000;
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    ProcessPipeline _run = null!;
    Guid[] _published = [];
    readonly Guid _withoutText = Guid.NewGuid();

    [OneTimeSetUp]
    public async Task RunAsync()
    {
        // The deployed extractors in two processes, so one process serving several queues is covered too.
        _run = await ProcessPipeline.StartAsync("e2e", extractors => [extractors[..(extractors.Length / 2)], extractors[(extractors.Length / 2)..]]);

        var products = _run.Products(Products);
        _published = products.Select(p => p.ProductId).ToArray();
        await Task.WhenAll(products.Select(p => _run.Upstream.Publish(p)));

        // Bad input published past the Gateway: a product without text (the saga's door refuses it), and bytes that are not a message at all.
        await _run.Upstream.Publish(new ProductTextReceived(_withoutText, "test", "no-text", null!, DateTimeOffset.UtcNow));
        await _run.VirtualHost.PublishRawAsync("Inference.Contracts:ProductTextReceived", "{ this is not json", "application/vnd.masstransit+json");

        await WaitForAsync(async () => await StoredAsync() >= Products, "every product stored");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_run is not null) await _run.DisposeAsync();
    }

    [Test]
    public async Task Should_store_every_product_exactly_once()
    {
        await using var connection = new NpgsqlConnection(_run.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT product_id FROM products", connection);
        var stored = new List<Guid>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) stored.Add(reader.GetGuid(0));

        Assert.That(stored, Has.Count.EqualTo(Products));
        Assert.That(stored, Is.Unique);
        Assert.That(stored, Is.EquivalentTo(_published));
    }

    [Test]
    public async Task Should_complete_every_saga_in_redis()
    {
        // A row is in PostgreSQL before its saga hears ProductStored, so the sagas get the time to settle; one that never
        // leaves Storing fails the wait, one that ends Faulted the assertion.
        var states = new Dictionary<string, int>();
        var repository = Repository();
        string[] settled = ["Completed", "Faulted"];
        await WaitForAsync(async () => (states = await StatesAsync(repository)).Keys.All(settled.Contains), "every saga Completed or Faulted");

        Assert.That(states, Is.EqualTo(new Dictionary<string, int> { ["Completed"] = Products }));
    }

    async Task<Dictionary<string, int>> StatesAsync(ILoadSagaRepository<ProductState> repository)
    {
        var states = new Dictionary<string, int>();
        foreach (var id in _published)
        {
            var saga = await repository.Load(id);
            var state = saga?.CurrentState ?? "absent";
            states[state] = states.GetValueOrDefault(state) + 1;
        }

        return states;
    }

    [Test]
    public async Task Should_keep_the_product_without_text_and_the_unreadable_message_in_the_error_queue_and_start_no_saga()
    {
        await WaitForAsync(async () => await _run.VirtualHost.MessagesInAsync("product-state_error") == 2, "product-state_error holds both");
        Assert.That(await Repository().Load(_withoutText), Is.Null, "no saga");
        Assert.That(await _run.VirtualHost.MessagesInAsync("classify_error"), Is.EqualTo(0), "no command sent");
    }

    [Test]
    public async Task Should_leave_no_dead_letter_queue_but_the_pipeline_queues_own() =>
        Assert.That((await _run.VirtualHost.QueuesAsync()).Where(q => q.EndsWith("_error", StringComparison.Ordinal) || q.EndsWith("_skipped", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "product-state_error" }));

    [Test]
    public void Should_keep_every_service_running() =>
        Assert.That(_run.Pipeline.Services.Where(s => s.HasExited).Select(s => s.Name), Is.Empty);

    [Test]
    public async Task Should_serve_every_model_s_figures()
    {
        var scrapes = await ScrapeAllAsync();
        var classifier = scrapes["classifier"];
        var model = (ModelMetrics.ModelTag.Replace('.', '_'), "classifier");
        // Every product with a text was classified once (a redelivery may add one): batches formed, timed and counted.
        Assert.That(classifier.Sum("inference_model_items_total", model), Is.GreaterThanOrEqualTo(Products));
        Assert.That(classifier.Sum("inference_model_batch_size_count", model), Is.GreaterThan(0));
        Assert.That(classifier.Sum("inference_model_batch_size_sum", model) / classifier.Sum("inference_model_batch_size_count", model),
            Is.GreaterThanOrEqualTo(1), "the average batch size");
        Assert.That(classifier.Sum("inference_model_duration_seconds_count", model), Is.EqualTo(classifier.Sum("inference_model_batch_size_count", model)));
        Assert.That(classifier.Sum("inference_model_confidence_count", model), Is.EqualTo(classifier.Sum("inference_model_items_total", model)));
        Assert.That(classifier.Sum("inference_model_confidence_sum", model) / classifier.Sum("inference_model_confidence_count", model),
            Is.InRange(0.2, 1.0), "the average confidence");
        var categories = classifier.Where("inference_model_predictions_total", model);
        Assert.That(categories.Select(c => c["inference_category"]).Distinct().Count(), Is.GreaterThan(3));
        Assert.That(categories.Sum(c => c.Value), Is.EqualTo(classifier.Sum("inference_model_items_total", model)));

        // The extractors in two processes: together, at least one answer per product.
        var extracted = scrapes.Where(s => s.Key.StartsWith("extractor-")).Sum(s => s.Value.Sum("inference_model_items_total"));
        Assert.That(extracted, Is.GreaterThanOrEqualTo(Products));
        Assert.That(scrapes["validator"].Sum("inference_model_items_total"), Is.GreaterThan(0));
    }

    [Test]
    public async Task Should_serve_every_stage_s_figures_from_the_saga()
    {
        const string stage = "inference_stage";
        PrometheusText orchestrator = null!;
        // Once every saga settled, no product waits on any stage: the gauge reads the saga store's per-state sets.
        await WaitForAsync(async () =>
        {
            orchestrator = await PrometheusText.ScrapeAsync(_run.Pipeline["orchestrator"].Address!);
            return orchestrator.Where("inference_stage_products").Count == Stage.All.Count && orchestrator.Sum("inference_stage_products") == 0;
        }, "no product waiting on any stage");

        Assert.That(orchestrator.Sum("inference_stage_duration_seconds_count", (stage, Stage.Classify)), Is.GreaterThanOrEqualTo(Products));
        Assert.That(orchestrator.Sum("inference_stage_duration_seconds_count", (stage, Stage.Extract)), Is.GreaterThanOrEqualTo(Products));
        Assert.That(orchestrator.Sum("inference_stage_duration_seconds_count", (stage, Stage.Store)), Is.GreaterThanOrEqualTo(Products));
        var classifySeconds = orchestrator.Sum("inference_stage_duration_seconds_sum", (stage, Stage.Classify)) /
                              orchestrator.Sum("inference_stage_duration_seconds_count", (stage, Stage.Classify));
        Assert.That(classifySeconds, Is.InRange(0.0001, 300), "the average time on classify");
        // The product without text never became a saga: counted at the bus door, not as a stage's fault.
        Assert.That(orchestrator.Sum("inference_stage_faults_total"), Is.Zero);
        Assert.That(orchestrator.Sum("inference_products_rejected_total"), Is.EqualTo(1));
        Assert.That(orchestrator.Sum("db_client_operation_duration_seconds_count", ("db_system_name", "redis"), ("db_operation_name", "update")),
            Is.GreaterThanOrEqualTo(Products));
    }

    [Test]
    public async Task Should_serve_the_runtime_postgresql_and_the_service_s_identity()
    {
        foreach (var (name, scrape) in await ScrapeAllAsync())
        {
            Assert.That(scrape.Samples.Where(s => s.Name.StartsWith("dotnet_")).Select(s => s.Name), Is.Not.Empty, name);
            var target = scrape.Where("target_info").Single();
            Assert.That(target["service_version"], Is.Not.Empty, name);
            Assert.That(target["service_name"], Is.Not.Empty, name);
        }

        var store = (await ScrapeAllAsync())["store"];
        Assert.That(store.Samples.Where(s => s.Name.StartsWith("db_client_")).Select(s => s.Name), Is.Not.Empty, "Npgsql's meter");
    }

    async Task<Dictionary<string, PrometheusText>> ScrapeAllAsync()
    {
        var scrapes = new Dictionary<string, PrometheusText>();
        foreach (var service in _run.Pipeline.Services)
        {
            using var http = new HttpClient();
            var text = await http.GetStringAsync(new Uri(service.Address!, "/metrics"));
            await File.WriteAllTextAsync(Path.Combine(_run.Home, $"metrics-{service.Name}.txt"), text);
            scrapes[service.Name] = PrometheusText.Parse(text);
        }

        return scrapes;
    }

    ILoadSagaRepository<ProductState> Repository() => new ProductStates(LoopbackServers.Current.Redis, _run.Redis.Prefix).Repository;

    Task<long> StoredAsync() => _run.Database.CountProductsAsync();

    async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var giveUpAt = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > giveUpAt)
                Assert.Fail($"gave up waiting for {what} after {Patience.TotalMinutes} min; last lines of each service:\n" +
                            string.Join("\n\n", _run.Pipeline.Services.Select(s => $"--- {s.Name}\n{s.Tail(15)}")));
            await Task.Delay(250);
        }
    }
}
