using Inference.Models;
using Inference.Models.Baseline;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Classifier;

/// <summary>What the Classifier service adds to a host: its model and its consumer.</summary>
public static class ClassifierRegistration
{
    public static IServiceCollection AddClassifierModel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ICategoryClassifier, KeywordCategoryClassifier>();
        return services;
    }

    public static IBusRegistrationConfigurator AddClassifier(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ClassifyProductConsumer, ClassifyProductConsumerDefinition>();
        return bus;
    }
}
