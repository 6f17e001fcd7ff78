using System.Diagnostics;
using Inference.Classifier;
using Inference.Extractor;
using Inference.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Cli.Bench;

/// <summary>
/// Each model's raw throughput in this process, at the batch size the pipeline uses: the limit the pipeline is held against.
/// The limit in products/s is one core doing nothing but model work for each product (classify, extract, score the MPN).
/// </summary>
public static class ModelLimits
{
    static readonly TimeSpan Duration = TimeSpan.FromSeconds(2);

    public static (IReadOnlyList<ModelFigures> Models, double? Limit) Measure(
        IReadOnlyList<string> texts, IReadOnlyCollection<string> extractors, string modelKind, int batchSize)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{ModelOptions.Section}:{nameof(ModelOptions.Kind)}"] = modelKind,
            [$"{ModelOptions.Section}:{nameof(ModelOptions.Directory)}"] = Path.Combine(AppContext.BaseDirectory, "models"),
        }.Concat(extractors.Select((e, i) => KeyValuePair.Create($"Extractor:Serve:{i}", (string?)e)))).Build();
        var services = new ServiceCollection().AddLogging().AddOptions();
        services.AddClassifierModel(configuration).AddExtractorModels(configuration);
        Inference.Validator.ValidatorRegistration.AddValidatorRules(services, configuration);
        using var provider = services.BuildServiceProvider();

        var figures = new List<ModelFigures>();
        var classifier = provider.GetRequiredService<ICategoryClassifier>();
        figures.Add(Time(classifier.Model.ToString(), texts, batchSize, batch => classifier.Classify(batch)));

        var catalog = provider.GetRequiredService<ExtractorCatalog>();
        var extractorFigures = extractors.Select(name =>
        {
            var extractor = catalog.Get(name);
            return Time(extractor.Model.ToString(), texts, batchSize, batch => extractor.Extract(batch));
        }).ToArray();
        figures.AddRange(extractorFigures);

        if (provider.GetService<IMpnScorer>() is { } scorer)
        {
            var candidates = texts.Select(t => new MpnCandidate("brand", t.Split(' ')[0], null)).ToArray();
            figures.Add(Time(scorer.Model.ToString(), candidates, batchSize, batch => scorer.Score(batch)));
        }

        var secondsPerProduct = 1 / figures[0].ItemsPerSecond
                                + extractorFigures.Average(f => 1 / f.ItemsPerSecond)
                                + figures.Skip(1 + extractorFigures.Length).Sum(f => 1 / f.ItemsPerSecond);
        return (figures, 1 / secondsPerProduct);
    }

    static ModelFigures Time<T, TOut>(string name, IReadOnlyList<T> items, int batchSize, Func<IReadOnlyList<T>, IReadOnlyList<TOut>> run)
    {
        var batches = Enumerable.Range(0, Math.Max(1, items.Count / batchSize))
            .Select(i => items.Skip(i * batchSize).Take(batchSize).ToArray()).ToArray();
        run(batches[0]); // warm up: first-call allocations and lazy initialisation
        var stopwatch = Stopwatch.StartNew();
        long done = 0;
        for (var i = 0; stopwatch.Elapsed < Duration; i++)
        {
            var batch = batches[i % batches.Length];
            run(batch);
            done += batch.Length;
        }

        return new ModelFigures(name, batchSize, done / stopwatch.Elapsed.TotalSeconds);
    }
}
