using Inference.Contracts;
using Inference.Hosting;
using Microsoft.Extensions.Configuration;

namespace Inference.Tests.Hosting;

/// <summary>The queue tuning every process runs with (QueueOptions' own values), and how a deployment changes one key of it.</summary>
public sealed class QueueOptionsTests
{
    static QueueOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();

    [Test]
    public void Should_change_only_the_key_a_deployment_sets_of_a_tuned_queue()
    {
        var tuned = new QueueOptions().For(QueueNames.Store);
        var queues = Bind(new() { ["Queues:Overrides:store:PrefetchCount"] = "256", ["Queues:Default:RetryLimit"] = "5" });

        Assert.That(queues.For(QueueNames.Store).PrefetchCount, Is.EqualTo(256));
        Assert.That(queues.For(QueueNames.Store).BatchSize, Is.EqualTo(tuned.BatchSize).And.Not.EqualTo(queues.Default.BatchSize));
        Assert.That(queues.For(QueueNames.ProductState).ConcurrencyLimit, Is.EqualTo(new QueueOptions().For(QueueNames.ProductState).ConcurrencyLimit));
        Assert.That(queues.Default.RetryLimit, Is.EqualTo(5));
        Assert.That(queues.Default.PrefetchCount, Is.EqualTo(new QueueSettings().PrefetchCount));
    }

    [Test]
    public void Should_give_a_queue_without_settings_of_its_own_the_default()
    {
        var queues = Bind(new() { ["Queues:Default:BatchSize"] = "16" });
        Assert.That(queues.For(QueueNames.Classify), Is.SameAs(queues.Default));
        Assert.That(queues.For(QueueNames.Extract("generic")).BatchSize, Is.EqualTo(16));
    }

    [Test]
    public void Should_let_every_batch_fill_within_a_queue_s_concurrency_and_prefetch()
    {
        var queues = new QueueOptions();
        Assert.That(new QueueOptionsValidator().Validate(null, queues).Succeeded, Is.True);
        foreach (var (name, settings) in queues.Overrides.Append(KeyValuePair.Create("default", queues.Default)))
        {
            // The saga's endpoint handles one event at a time per product: it has no batch to fill.
            if (name != QueueNames.ProductState)
                Assert.That(settings.ConcurrencyLimit, Is.GreaterThanOrEqualTo(settings.BatchSize), name);
            Assert.That(settings.PrefetchCount, Is.GreaterThanOrEqualTo(settings.ConcurrencyLimit), name);
        }
    }
}
