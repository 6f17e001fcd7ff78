using Inference.Hosting;
using Inference.Models;
using Inference.Models.Baseline;
using Inference.Models.Null;
using Inference.Models.Onnx;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inference.Extractor;

/// <summary>What the Extractor service adds to a host: the extractors it serves and their queues.</summary>
public static class ExtractorRegistration
{
    public static IServiceCollection AddExtractorModels(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ExtractorOptions>().Bind(configuration.GetSection(ExtractorOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ExtractorOptions>, ExtractorOptionsValidator>();
        var models = ModelOptions.From(configuration);
        services.AddSingleton(provider =>
        {
            var serve = provider.GetRequiredService<IOptions<ExtractorOptions>>().Value.Serve;
            return new ExtractorCatalog(models.Kind switch
            {
                ModelKind.Null => serve.Distinct().ToDictionary(n => n, IAttributeExtractor (_) => new NullAttributeExtractor()),
                ModelKind.Baseline => RegexAttributeExtractor.ForExtractors(serve),
                _ => OnnxModels.Extractors(models, serve),
            });
        });
        services.AddSingleton<ExtractorBatchers>();
        services.AddSingleton<IReceiveEndpointContributor, ExtractorEndpoints>();
        return services;
    }

    public static IBusRegistrationConfigurator AddExtractor(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ExtractAttributesConsumer>().ExcludeFromConfigureEndpoints();
        return bus;
    }
}
