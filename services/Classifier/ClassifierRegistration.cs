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

/// <summary>What the Classifier service adds to a host: the models of the queues it consumes, the batchers in front of them, its consumers.</summary>
public static class ClassifierRegistration
{
    public static IServiceCollection AddClassifierModel(this IServiceCollection services, IConfiguration configuration)
    {
        var models = ModelOptions.From(configuration);
        var queues = ClassifierOptions.From(configuration);
        switch (models.Kind)
        {
            case ModelKind.Null: services.AddSingleton<ICategoryClassifier, NullCategoryClassifier>(); break;
            case ModelKind.Baseline: services.AddSingleton<ICategoryClassifier, KeywordCategoryClassifier>(); break;
            // loaded now, so a missing or altered model stops the service at start-up, not at its first message
            default: services.AddSingleton<ICategoryClassifier>(OnnxModels.Classifier(models)); break;
        }

        services.AddSingleton<ClassificationBatch>();

        if (queues.Deep)
        {
            switch (models.Kind)
            {
                case ModelKind.Null: services.AddSingleton<IDeepCategoryClassifier>(new DeepFromClassifier(new NullCategoryClassifier())); break;
                case ModelKind.Baseline: services.AddSingleton<IDeepCategoryClassifier>(new DeepFromClassifier(new KeywordCategoryClassifier())); break;
                default: services.AddSingleton<IDeepCategoryClassifier>(OnnxModels.DeepClassifier(models)); break;
            }

            services.AddSingleton<DeepClassificationBatch>();
        }

        return services;
    }

    /// <summary>The consumers of the queues <c>Classifier:Queues</c> names (both by default).</summary>
    public static IBusRegistrationConfigurator AddClassifier(this IBusRegistrationConfigurator bus, IConfiguration configuration)
    {
        var queues = ClassifierOptions.From(configuration);
        if (queues.Fast) bus.AddConsumer<ClassifyProductConsumer, ClassifyProductConsumerDefinition>();
        if (queues.Deep) bus.AddConsumer<ClassifyProductDeepConsumer, ClassifyProductDeepConsumerDefinition>();
        return bus;
    }
}
