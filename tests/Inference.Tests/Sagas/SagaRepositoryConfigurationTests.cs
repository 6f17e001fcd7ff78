using System.Text;
using Inference.Contracts;
using Inference.Sagas;
using Inference.Sagas.Redis;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Sagas;

/// <summary>Choosing and checking the saga repository from configuration, and the JSON it stores; no server needed.</summary>
public sealed class SagaRepositoryConfigurationTests
{
    static IConfiguration Settings(params (string Key, string Value)[] settings) => new ConfigurationBuilder()
        .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create($"SagaRepository:{s.Key}", (string?)s.Value)))
        .Build();

    static ServiceProvider Register(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddMassTransit(bus => bus.AddSagaRepository<ProductState>().ConfiguredRepository(configuration));
        return services.BuildServiceProvider();
    }

    [Test]
    public void Should_keep_sagas_in_memory_unless_told_otherwise()
    {
        using var provider = Register(Settings());
        Assert.That(provider.GetRequiredService<IOptions<SagaRepositoryOptions>>().Value.Kind, Is.EqualTo(SagaRepositoryKind.InMemory));
        Assert.That(provider.GetService<RedisSagaStore<ProductState>>(), Is.Null);
    }

    [Test]
    public void Should_refuse_an_unknown_kind_by_name()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Register(Settings(("Kind", "Mongo"))));
        Assert.That(error!.Message, Is.EqualTo("SagaRepository:Kind 'Mongo' is not one of InMemory, Redis."));
    }

    [Test]
    public void Should_refuse_bad_redis_settings_naming_each_key()
    {
        using var provider = Register(Settings(("Kind", "Redis"), ("Redis:Configuration", "127.0.0.1:6379,nonsense=1"),
            ("Redis:KeyPrefix", ""), ("Redis:FinishedExpiry", "-00:00:01"), ("Redis:FinishedStates:0", "Complete")));
        var error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<SagaRepositoryOptions>>().Value);
        Assert.That(error!.Failures, Has.Some.StartsWith("SagaRepository:Redis:Configuration '127.0.0.1:6379,nonsense=1'"));
        Assert.That(error.Failures, Has.Some.StartsWith("SagaRepository:Redis:KeyPrefix"));
        Assert.That(error.Failures, Has.Some.StartsWith("SagaRepository:Redis:FinishedExpiry"));
        Assert.That(error.Failures, Has.Some.Contains("'Complete' is not a state of the saga").And.Contains("Completed"));
    }

    [Test]
    public void Should_accept_the_orchestrators_settings()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Inference.sln"))) root = root.Parent!;
        var settings = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(root.FullName, "services", "Orchestrator", "appsettings.json"))
            .Build();
        using var provider = Register(settings);
        var options = provider.GetRequiredService<IOptions<SagaRepositoryOptions>>().Value;
        Assert.That(options.Kind, Is.EqualTo(SagaRepositoryKind.Redis));
        Assert.That(options.Redis.FinishedExpiry, Is.EqualTo(TimeSpan.FromDays(7)));
        // The file names no finished states: the saga's own (Completed, Faulted) expire, a product in flight never does.
        var redis = provider.GetRequiredService<RedisSagaSettings<ProductState>>();
        foreach (var state in ProductStateRepository.FinishedStates)
            Assert.That(redis.IsFinished(new ProductState { CurrentState = state }), Is.True, state);
        Assert.That(redis.IsFinished(new ProductState { CurrentState = nameof(ProductStateMachine.Classifying) }), Is.False);
    }

    [Test]
    public void Should_store_compact_json_without_version_and_read_it_back_whole()
    {
        var saga = new ProductState
        {
            CorrelationId = Guid.NewGuid(),
            Version = 7,
            CurrentState = nameof(ProductStateMachine.Completed),
            Text = "acme ac-1000",
            Category = "computers-accessories",
            Confidence = 0.93,
            TopK = [new CategoryScore("computers-accessories", 0.93)],
            Mpn = "AC-1000",
            Attributes = new() { ["Colour"] = "black" },
            Verdicts = [new IdentifierVerdict("mpn", "AC-1000", "AC1000", true, "shape")],
            Models = new() { [Stage.Classify] = "scripted@test" },
            ReceivedAt = DateTimeOffset.Parse("2026-11-23T10:00:00+00:00"),
            StoredAt = DateTimeOffset.Parse("2026-11-23T10:00:01+00:00"),
        };

        var json = RedisSagaSerializer<ProductState>.Serialize(saga);
        var text = Encoding.UTF8.GetString(json);
        Assert.That(text, Does.Not.Contain("\"Version\"").And.Not.Contain("HasIdentifiers").And.Not.Contain("null").And.Not.Contain("\n"));

        var back = RedisSagaSerializer<ProductState>.Deserialize(json);
        Assert.That(back.Version, Is.Zero, "the version is kept beside the JSON, not in it");
        back.Version = saga.Version;
        Assert.That(RedisSagaSerializer<ProductState>.Serialize(back), Is.EqualTo(json), "nothing lost on the way");
        Assert.That(back.Verdicts.Single(), Is.EqualTo(saga.Verdicts.Single()));
        Assert.That(back.StoredAt, Is.EqualTo(saga.StoredAt));
    }
}
