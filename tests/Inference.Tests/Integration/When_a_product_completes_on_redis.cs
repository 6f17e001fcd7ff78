using Inference.Sagas;
using Inference.Sagas.Redis;
using Inference.Tests.Sagas;
using MassTransit;
using StackExchange.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Integration;

/// <summary>The product saga scenarios' flow, kept in the real Redis instead of memory.</summary>
public abstract class ProductSagaOnRedisScenario : ProductSagaScenario
{
    protected static readonly TimeSpan FinishedExpiry = TimeSpan.FromHours(6);

    protected RedisKeyspace Keyspace { get; } = RedisKeyspace.CreateAsync().GetAwaiter().GetResult();

    protected override IDictionary<string, string?> RepositorySettings() => Keyspace.RepositorySettings(FinishedExpiry);

    protected override async Task CleanUp() => await Keyspace.DisposeAsync();

    /// <summary>Reads the product as another process (the HTTP Gateway) would: its own container, connection and repository.</summary>
    protected async Task<ProductState?> LoadElsewhere(Guid productId)
    {
        await using var states = new ProductStates(LoopbackServers.Current.Redis, Keyspace.Prefix);
        return await states.Load(productId);
    }

    protected RedisKey KeyOf(Guid productId) => $"{Keyspace.Prefix}product-state:{productId:D}";
}

[Category("Integration")]
public sealed class When_a_product_completes_on_redis : ProductSagaOnRedisScenario
{
    readonly Guid _product = Guid.NewGuid();
    readonly Guid _unknown = Guid.NewGuid();

    protected override async Task Given()
    {
        Script.Categories[_product] = ("computers-accessories", 0.93);
        Script.Identifiers[_product] = ("acme", "AC-1000", null);
        await Receive(_product);
        await InState(_product, m => m.Completed);
    }

    [Test]
    public async Task Should_be_read_back_completed_by_another_process()
    {
        var saga = await LoadElsewhere(_product);
        Assert.That(saga, Is.Not.Null);
        Assert.That(saga!.CurrentState, Is.EqualTo(nameof(ProductStateMachine.Completed)));
        Assert.That(saga.Category, Is.EqualTo("computers-accessories"));
        Assert.That(saga.Confidence, Is.EqualTo(0.93));
        Assert.That(saga.Mpn, Is.EqualTo("AC-1000"));
        Assert.That(saga.Attributes["Colour"], Is.EqualTo("black"));
        Assert.That(saga.Verdicts.Single().Kind, Is.EqualTo("mpn"));
        Assert.That(saga.Models.Keys, Is.EquivalentTo(new[] { Stage.Classify, Stage.Extract, Stage.Validate }));
        Assert.That(saga.Revision, Is.EqualTo(1));
        Assert.That(saga.StoredAt, Is.Not.Null);
        Assert.That(saga.Version, Is.EqualTo(5), "created, then classified, extracted, validated, stored: one write each");
    }

    [Test]
    public void Should_run_every_stage_once_in_order() =>
        Assert.That(Script.Calls.Where(c => c.ProductId == _product).Select(c => c.Stage),
            Is.EqualTo(new[] { "classify", "extract", "validate", "store" }));

    [Test]
    public async Task Should_expire_the_completed_product() =>
        Assert.That(await Keyspace.Database.KeyTimeToLiveAsync(KeyOf(_product)),
            Is.Not.Null.And.InRange(FinishedExpiry - TimeSpan.FromMinutes(1), FinishedExpiry));

    [Test]
    public async Task Should_find_no_state_for_an_unknown_product() => Assert.That(await LoadElsewhere(_unknown), Is.Null);
}

[Category("Integration")]
public sealed class When_the_same_product_arrives_twice_on_redis : ProductSagaOnRedisScenario
{
    readonly Guid _product = Guid.NewGuid();

    protected override async Task Given()
    {
        // Both copies are handled at once: both find no saga and both create one, and Redis lets only one create stand.
        await Task.WhenAll(Receive(_product), Receive(_product));
        await InState(_product, m => m.Completed);
        await Harness.InactivityTask;
    }

    [Test]
    public void Should_run_one_pipeline()
    {
        Assert.That(Script.CallsTo("classify", _product), Is.EqualTo(1));
        Assert.That(Script.CallsTo("store", _product), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_keep_one_saga() => Assert.That(await Keyspace.SagaKeys(), Has.Length.EqualTo(1));
}

[Category("Integration")]
public sealed class When_a_stage_faults_on_redis : ProductSagaOnRedisScenario
{
    readonly Guid _product = Guid.NewGuid();

    protected override async Task Given()
    {
        Script.FailAt[_product] = "extract";
        await Receive(_product);
        await InState(_product, m => m.Faulted);
    }

    [Test]
    public async Task Should_show_the_stage_and_reason_to_another_process()
    {
        var saga = await LoadElsewhere(_product);
        Assert.That(saga!.CurrentState, Is.EqualTo(nameof(ProductStateMachine.Faulted)));
        Assert.That(saga.FaultStage, Is.EqualTo("extract"));
        Assert.That(saga.FaultReason, Does.Contain("scripted failure in extract"));
    }

    [Test]
    public async Task Should_expire_the_faulted_product_as_finished() =>
        Assert.That(await Keyspace.Database.KeyTimeToLiveAsync(KeyOf(_product)), Is.Not.Null);

    [Test]
    public async Task Should_list_the_faulted_product_by_the_time_it_faulted()
    {
        var saga = await InState(_product, m => m.Faulted);
        var faulted = Services.GetRequiredService<IFaultedProducts>();
        Assert.That(await faulted.Between(saga.FaultedAt!.Value.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1), 10), Does.Contain(_product));
        Assert.That(await faulted.Between(DateTimeOffset.UnixEpoch, saga.FaultedAt.Value.AddMinutes(-1), 10), Does.Not.Contain(_product));
    }
}
