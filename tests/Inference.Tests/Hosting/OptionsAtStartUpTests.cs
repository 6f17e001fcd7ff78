using Inference.Classifier;
using Inference.Hosting;
using Inference.Models;
using Inference.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Hosting;

/// <summary>
/// Every options class is checked when its host starts, one way (an <see cref="IValidateOptions{TOptions}"/> beside the class),
/// and a bad value stops the start with a message naming its key.
/// </summary>
public sealed class OptionsAtStartUpTests
{
    /// <summary>One bad setting, and the key the error must name.</summary>
    public static IEnumerable<TestCaseData> BadBusSettings()
    {
        yield return Bad("Transport:RabbitMq:Port", "0");
        yield return Bad("Transport:RabbitMq:Host", "");
        yield return Bad("Transport:RabbitMq:Username", "");
        yield return Bad("Transport:RabbitMq:ManagementUri", "localhost:15672");
        yield return Bad("Queues:Default:PrefetchCount", "0");
        yield return Bad("Queues:Default:BatchSize", "-1");
        yield return Bad("Queues:Overrides:classify:ConcurrencyLimit", "0");
        yield return Bad("Queues:Overrides:store:RetryIntervalMs", "0");

        static TestCaseData Bad(string key, string value) => new TestCaseData(key, value).SetArgDisplayNames(key, value);
    }

    [TestCaseSource(nameof(BadBusSettings))]
    public void Should_refuse_to_start_a_service_with_a_bad_bus_setting_naming_it(string key, string value)
    {
        var builder = Builder(new() { ["Transport:Kind"] = "RabbitMq", [key] = value });
        builder.AddInferenceBus(_ => { });
        Assert.That(StartError(builder), Does.Contain(key));
    }

    [Test]
    public void Should_start_with_the_default_bus_settings()
    {
        var builder = Builder(new() { ["Transport:Kind"] = "RabbitMq" });
        builder.AddInferenceBus(_ => { });
        using var host = builder.Build();
        Assert.That(() => host.Services.GetRequiredService<IOptions<QueueOptions>>().Value, Throws.Nothing);
        Assert.That(() => host.Services.GetRequiredService<IOptions<TransportOptions>>().Value, Throws.Nothing);
    }

    [TestCase("Store:ConnectionString", "")]
    [TestCase("Store:ConnectionString", "Host=db;Port=x")]
    public void Should_refuse_to_start_the_store_with_a_bad_database_setting_naming_it(string key, string value)
    {
        var builder = Builder(new() { ["Store:Provider"] = "Postgres", [key] = value });
        builder.Services.AddProductStore(builder.Configuration);
        Assert.That(StartError(builder), Does.Contain(key));
    }

    [TestCase("Models:IntraOpThreads", "0")]
    [TestCase("Models:TopK", "1000")]
    [TestCase("Models:MpnMinimumScore", "2")]
    [TestCase("Models:Directory", " ")]
    [TestCase("Classifier:Queues", "classify,extract")]
    [TestCase("Classifier:Queues", "")]
    public void Should_refuse_to_register_the_classifier_with_a_bad_model_setting_naming_it(string key, string value)
    {
        var builder = Builder(new() { [key] = value });
        var error = Assert.Throws<OptionsValidationException>(() => builder.Services.AddClassifierModel(builder.Configuration));
        Assert.That(error!.Message, Does.Contain(key));
    }

    static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    static string StartError(HostApplicationBuilder builder)
    {
        using var host = builder.Build();
        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        return error!.Message;
    }
}
