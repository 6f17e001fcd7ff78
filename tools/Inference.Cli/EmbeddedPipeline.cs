using Inference.Classifier;
using Inference.Extractor;
using Inference.Hosting;
using Inference.Orchestrator;
using Inference.Sagas;
using Inference.Store;
using Inference.Validator;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.Cli;

/// <summary>Every service in one process: in-memory transport, in-memory saga repository, SQLite store, unless the settings say otherwise.</summary>
public static class EmbeddedPipeline
{
    /// <param name="overrides">Settings over <c>embedded.json</c> (a test points the same composition at RabbitMQ and PostgreSQL).</param>
    /// <param name="alsoOnTheBus">Consumers of the caller's own, such as the run's progress tracker.</param>
    public static HostApplicationBuilder CreateBuilder(
        IDictionary<string, string?>? overrides = null, Action<IBusRegistrationConfigurator>? alsoOnTheBus = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "embedded.json"), optional: false)
            .AddEnvironmentVariables("INFERENCE_")
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>());
        ServeEveryRoutedExtractor(builder.Configuration);
        builder.Services.AddLogging(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole());

        builder.Services
            .AddCategoryRouting(builder.Configuration)
            .AddClassifierModel(builder.Configuration)
            .AddExtractorModels(builder.Configuration)
            .AddValidatorRules(builder.Configuration)
            .AddProductStore(builder.Configuration);
        builder.AddInferenceBus(bus =>
        {
            bus.AddProductSaga(builder.Configuration);
            bus.AddClassifier(builder.Configuration);
            bus.AddExtractor();
            bus.AddValidator();
            bus.AddStore();
            alsoOnTheBus?.Invoke(bus);
        });
        return builder;
    }

    /// <summary>One process serves every extractor the routing table can send to.</summary>
    static void ServeEveryRoutedExtractor(ConfigurationManager configuration)
    {
        if (configuration.GetSection($"{ExtractorOptions.Section}:Serve").GetChildren().Any()) return;
        var routing = configuration.GetSection(RoutingOptions.Section).Get<RoutingOptions>() ?? new RoutingOptions();
        var serve = routing.Extractors.Select((name, i) => KeyValuePair.Create($"{ExtractorOptions.Section}:Serve:{i}", (string?)name));
        configuration.AddInMemoryCollection(serve);
    }
}
