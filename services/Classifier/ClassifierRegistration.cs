using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using Inference.Models.Baseline;
using Inference.Models.Null;
using Inference.Models.Onnx;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inference.Classifier;

/// <summary>What the Classifier service adds to a host: its model, the batcher in front of it, and its consumer.</summary>
public static class ClassifierRegistration
{
    public static IServiceCollection AddClassifierModel(this IServiceCollection services, IConfiguration configuration)
    {
        var models = ModelOptions.From(configuration);
        switch (models.Kind)
        {
            case ModelKind.Null: services.AddSingleton<ICategoryClassifier, NullCategoryClassifier>(); break;
            case ModelKind.Baseline: services.AddSingleton<ICategoryClassifier, KeywordCategoryClassifier>(); break;
            // loaded now, so a missing or altered model stops the service at start-up, not at its first message
            default: services.AddSingleton<ICategoryClassifier>(OnnxModels.Classifier(models)); break;
        }

        services.AddSingleton(provider =>
        {
            var classifier = provider.GetRequiredService<ICategoryClassifier>();
            var batch = provider.GetRequiredService<IOptions<QueueOptions>>().Value.For(QueueNames.Classify).Batch;
            return new MicroBatcher<string, CategoryPrediction>(
                (texts, _) => Task.FromResult(classifier.Classify(texts)), batch);
        });
        return services;
    }

    public static IBusRegistrationConfigurator AddClassifier(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ClassifyProductConsumer, ClassifyProductConsumerDefinition>();
        return bus;
    }
}
