namespace Inference.Models.Onnx;

/// <summary>Finds the shipped models in the models folder by their manifests' task, and builds the services' models from them.</summary>
public static class OnnxModels
{
    public static OnnxModelRegistry Registry(ModelOptions options)
    {
        var registry = OnnxModelRegistry.Shared;
        registry.IntraOpThreads = options.IntraOpThreads;
        return registry;
    }

    public static OnnxCategoryClassifier Classifier(ModelOptions options, OnnxModelRegistry? registry = null) =>
        new(One(options, OnnxCategoryClassifier.Task, registry), options.TopK);

    /// <summary>The deep classifier, with the fast classifier whose probabilities it blends in.</summary>
    public static OnnxDeepCategoryClassifier DeepClassifier(ModelOptions options, OnnxModelRegistry? registry = null) =>
        new(One(options, OnnxDeepCategoryClassifier.Task, registry), Classifier(options, registry), options.TopK);

    public static OnnxMpnScorer MpnScorer(ModelOptions options, OnnxModelRegistry? registry = null) =>
        new(One(options, OnnxMpnScorer.Task, registry));

    /// <summary>Every extractor model in the folder, by each name it serves.</summary>
    public static IReadOnlyDictionary<string, OnnxAttributeExtractor> AllExtractors(ModelOptions options, OnnxModelRegistry? registry = null)
    {
        registry ??= Registry(options);
        var byName = new Dictionary<string, OnnxAttributeExtractor>(StringComparer.Ordinal);
        foreach (var manifest in ModelManifest.ReadAll(options.FullDirectory).Where(m => m.Task == OnnxAttributeExtractor.Task))
        {
            var extractor = new OnnxAttributeExtractor(registry.Load(manifest.Directory), options.ExtractionRules, options.MpnMinimumScore);
            foreach (var name in extractor.Serves)
            {
                if (!byName.TryAdd(name, extractor))
                    throw manifest.Invalid($"serves '{name}', which model '{byName[name].Model.Name}' serves already");
            }
        }

        return byName;
    }

    /// <summary>The extractors named (queue suffixes), refusing a name no shipped model serves.</summary>
    public static IReadOnlyDictionary<string, IAttributeExtractor> Extractors(ModelOptions options, IEnumerable<string> names, OnnxModelRegistry? registry = null)
    {
        registry ??= Registry(options);
        var manifests = ModelManifest.ReadAll(options.FullDirectory).Where(m => m.Task == OnnxAttributeExtractor.Task).ToArray();
        var loaded = new Dictionary<string, OnnxAttributeExtractor>(StringComparer.Ordinal);
        var result = new Dictionary<string, IAttributeExtractor>(StringComparer.Ordinal);
        foreach (var name in names.Distinct())
        {
            var manifest = manifests.FirstOrDefault(m => ServedNames(m).Contains(name))
                           ?? throw new ModelLoadException("extractor-" + name, options.FullDirectory,
                               $"no extractor model serves '{name}' (served: {string.Join(", ", manifests.SelectMany(ServedNames).Order())})");
            if (!loaded.TryGetValue(manifest.Directory, out var extractor))
                loaded[manifest.Directory] = extractor = new OnnxAttributeExtractor(registry.Load(manifest.Directory), options.ExtractionRules, options.MpnMinimumScore);
            result[name] = extractor;
        }

        return result;
    }

    static IEnumerable<string> ServedNames(ModelManifest manifest)
    {
        if (manifest.Name.StartsWith("extractor-", StringComparison.Ordinal)) yield return manifest.Name["extractor-".Length..];
        if (manifest.Json["serves_categories"] is System.Text.Json.Nodes.JsonArray served)
        {
            foreach (var s in served) yield return s!.GetValue<string>();
        }
    }

    static LoadedModel One(ModelOptions options, string task, OnnxModelRegistry? registry)
    {
        registry ??= Registry(options);
        var manifests = ModelManifest.ReadAll(options.FullDirectory).Where(m => m.Task == task).ToArray();
        return manifests.Length switch
        {
            1 => registry.Load(manifests[0].Directory),
            0 => throw new ModelLoadException(task, options.FullDirectory, $"no model folder has a manifest with task '{task}'"),
            _ => throw new ModelLoadException(task, options.FullDirectory, $"several models have task '{task}': {string.Join(", ", manifests.Select(m => m.Name))}"),
        };
    }
}
