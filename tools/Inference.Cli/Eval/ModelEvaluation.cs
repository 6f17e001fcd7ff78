using System.Diagnostics;
using Inference.Contracts;
using Inference.Models;
using Inference.Models.Baseline;
using Inference.Models.Onnx;
using Inference.Sagas;
using Inference.Validator;
using Microsoft.Extensions.Options;

namespace Inference.Cli.Eval;

/// <summary>
/// One figure of the evaluation: the shipped model's, its baseline's (both measured here), the manifest's claim (<c>metrics.csharp</c>, what
/// <c>inference eval --write</c> measured with the extraction rules; Python's <c>metrics.folds89</c> when there is none), Python's figure of the
/// model alone, and the target.
/// </summary>
public sealed record EvalRow(string Model, string Metric, string Key, int N, double? Value, double? Baseline, double? Claimed, double? Target, double? Python = null)
{
    /// <summary>The figures a model must beat its baseline on (the others are shown, e.g. GTIN on a handful of records).</summary>
    public static readonly string[] HeadlineKeys = ["accuracy", "macro_f1", "brand_exact", "mpn_exact", "attributes_all.f1", "auc"];

    public bool IsHeadline => HeadlineKeys.Contains(Key);

    public bool? MeetsTarget => Target is null || Value is null ? null : Value >= Target;

    public bool? AheadOfBaseline => Baseline is null || Value is null ? null : Value > Baseline;

    public bool? BehindBaseline => Baseline is null || Value is null ? null : Value < Baseline;
}

/// <summary>What one evaluation run measured.</summary>
/// <param name="Pipeline">the models as deployed (classify, route, extract) over every record; not any one model's figure, so no manifest claims it</param>
/// <param name="DeepTiming">the deep classifier alone on the products that take the deep path (null without a deep model)</param>
/// <param name="HeldOut">figures of models trained without some of the data (a source, a category), from the deep model's manifest: measured at build</param>
public sealed record EvalReport(string RecordsPath, int Records, IReadOnlyList<EvalRow> Rows, Timing ModelTiming, Timing BaselineTiming,
    Timing LongTextTiming, IReadOnlyDictionary<string, Dictionary<string, object?>> ByModel, ExtractionRule Rules, IReadOnlyList<EvalRow> Pipeline,
    Timing? DeepTiming = null, IReadOnlyList<EvalRow>? HeldOut = null)
{
    /// <summary>GTIN found over every extractor's records whose GTIN is in the text (each extractor's share is a handful of records).</summary>
    public (int Hits, int N) PooledGtin =>
        (ByModel.Values.Sum(m => m.TryGetValue("gtin_found_hits", out var h) && h is int i ? i : 0),
            ByModel.Values.Sum(m => m.TryGetValue("gtin_found_n", out var n) && n is int i ? i : 0));
}

/// <summary>CPU time per product of classify + extract (the routed extractor), at a batch size, on one thread.</summary>
public sealed record Timing(int BatchSize, int Products, double CpuMicrosecondsPerProduct, double WallMicrosecondsPerProduct);

/// <summary>
/// Runs every shipped model and its baseline on the same evaluation records, with the metric definitions of
/// <c>models/training/evaluate.py</c>, so the figures can be compared with the ones Python wrote into the manifests.
/// </summary>
/// <param name="rules">the extraction rules the extractors run (the shipped configuration is all of them)</param>
/// <param name="dumpPath">when set, every extractor's values per record are written there as JSON lines (for error analysis)</param>
/// <param name="routing">the routing table of the pipeline figures (the services' default when null)</param>
/// <param name="mpnMinimumScore">the extractors' <c>Models:MpnMinimumScore</c> (0, as shipped, keeps every MPN)</param>
public sealed class ModelEvaluation(string modelsDirectory, string recordsPath, ExtractionRule rules = ExtractionRule.All, string? dumpPath = null,
    RoutingOptions? routing = null, double mpnMinimumScore = 0)
{
    public const string PipelineName = "pipeline";

    public const double AccuracyTarget = 0.92, MacroF1Target = 0.88, BrandTarget = 0.92, MpnTarget = 0.85, GtinTarget = 0.95, AttributeTarget = 0.85;

    /// <summary>The targets of generalisation: MPN precision and recall over every record; a withheld category half recognised; across sources within 0.05.</summary>
    public const double MpnPrecisionTarget = 0.85, MpnRecallTarget = 0.85, WithheldRecognisedTarget = 0.5, SourceGapTarget = 0.05;
    public const int TimingBatch = 32;

    public EvalReport Run(Action<string>? progress = null)
    {
        progress ??= _ => { };
        var records = EvalRecord.Load(recordsPath);
        using var registry = new OnnxModelRegistry();
        var options = new ModelOptions { Directory = modelsDirectory, ExtractionRules = rules, MpnMinimumScore = mpnMinimumScore };
        using var dump = dumpPath is null ? null : new StreamWriter(dumpPath);
        var rows = new List<EvalRow>();
        var byModel = new Dictionary<string, Dictionary<string, object?>>();

        progress("classifier");
        var classifier = OnnxModels.Classifier(options, registry);
        rows.AddRange(EvaluateClassifier(classifier, records, byModel));

        // the deep classifier, when one ships: the cascade as the saga runs it, at the routing table's gate (the manifest's when it has none)
        Cascade? cascade = null;
        if (ModelManifest.ReadAll(modelsDirectory).Any(m => m.Task == OnnxDeepCategoryClassifier.Task))
        {
            progress("classifier-deep");
            var deep = OnnxModels.DeepClassifier(options, registry);
            cascade = new Cascade(classifier, deep, routing is { DeepGate: > 0 } ? routing.DeepGate : deep.Gate);
            rows.AddRange(EvaluateCascade(cascade, deep, records, byModel));
        }

        var extractors = OnnxModels.AllExtractors(options, registry).Values.Distinct().OrderBy(e => e.Model.Name, StringComparer.Ordinal).ToArray();
        var routed = extractors.SelectMany(e => e.ServesCategories).ToHashSet();
        foreach (var extractor in extractors)
        {
            progress(extractor.Model.Name);
            rows.AddRange(EvaluateExtractor(extractor, records, routed, byModel, dump));
        }

        progress("mpn-plausibility");
        var scorer = OnnxModels.MpnScorer(options, registry);
        rows.AddRange(EvaluateMpn(scorer, records, byModel));

        progress(PipelineName);
        var baselines = RegexAttributeExtractor.ForExtractors(extractors.SelectMany(e => e.Serves).Distinct());
        var pipeline = EvaluatePipeline(records, new CategoryRouter(Options.Create(routing ?? DefaultRouting(extractors))), (ICategoryClassifier?)cascade ?? classifier,
            extractors.SelectMany(e => e.Serves.Select(n => (n, (IAttributeExtractor)e))).ToDictionary(p => p.n, p => p.Item2),
            new KeywordCategoryClassifier(), baselines, extractors.SelectMany(e => e.AttributeNames).ToHashSet(),
            new IdentifierValidator(new GtinRules(Gs1PrefixTable.Load()), new MpnRules(), OnnxModels.MpnScorer(options, registry))).ToArray();

        progress("timing");
        var generic = extractors.First(e => e.ServesCategories.Count == 0);
        var route = extractors.SelectMany(e => e.ServesCategories.Select(c => (c, (IAttributeExtractor)e))).ToDictionary(p => p.c, p => p.Item2);
        var texts = records.Select(r => r.Text).ToArray();
        var modelTiming = Time(texts, classifier, route, generic);
        var baselineRoute = route.ToDictionary(p => p.Key, p => baselines[p.Key]);
        var baselineTiming = Time(texts, new KeywordCategoryClassifier(), baselineRoute, baselines[generic.Serves[0]]);
        // the WDC records: title and description, several times longer than the Amazon titles that make up most of the mix
        var longTexts = records.Where(r => r.Source.StartsWith("wdc", StringComparison.Ordinal)).Select(r => r.Text).ToArray();
        var longTiming = Time(longTexts, classifier, route, generic);
        var deepTiming = cascade is null ? null : TimeDeep(cascade, OnnxModels.DeepClassifier(options, registry), records.Select(r => r.Text).ToArray());
        rows = rows.Select(r => r with { Python = ManifestFigures.Folds89(modelsDirectory, r.Model)(r.Key) }).ToList();
        return new EvalReport(recordsPath, records.Count, rows, modelTiming, baselineTiming, longTiming, byModel, rules, pipeline,
            deepTiming, cascade is null ? null : HeldOutFigures(modelsDirectory, cascade.Model.Name).ToArray());
    }

    /// <summary>The routing the services ship with: each extractor serves its own categories, the catch-all the rest and the unsure.</summary>
    static RoutingOptions DefaultRouting(IEnumerable<OnnxAttributeExtractor> extractors)
    {
        var options = new RoutingOptions();
        foreach (var extractor in extractors)
        {
            foreach (var category in extractor.ServesCategories) options.Routes[category] = extractor.Serves[0];
        }

        return options;
    }

    /// <summary>
    /// The models as the pipeline runs them: every record classified, routed by the routing table (its confidence gate and fallback
    /// included) and extracted by the extractor it was routed to, so a misrouted product counts against the figure. The baselines
    /// (keyword classifier, regex extractors) are routed by the same table.
    /// </summary>
    IEnumerable<EvalRow> EvaluatePipeline(IReadOnlyList<EvalRecord> records, CategoryRouter router,
        ICategoryClassifier classifier, IReadOnlyDictionary<string, IAttributeExtractor> extractors,
        ICategoryClassifier baselineClassifier, IReadOnlyDictionary<string, IAttributeExtractor> baselineExtractors, IReadOnlyCollection<string> attributeNames,
        IdentifierValidator? validator = null)
    {
        var modelCategories = new string?[records.Count];
        var baselineCategories = new string?[records.Count];
        var modelLabels = Run(classifier, extractors, modelCategories);
        var baselineLabels = Run(baselineClassifier, baselineExtractors, baselineCategories);
        var model = Metrics.Extract(records, modelLabels, attributeNames, attributes: true);
        var baseline = Metrics.Extract(records, baselineLabels, attributeNames, attributes: true);
        const string name = PipelineName + " (classify, route, extract)";
        yield return new EvalRow(name, "brand exact", "brand_exact", model.Brand.N, model.Brand.Value, baseline.Brand.Value, null, BrandTarget);
        yield return new EvalRow(name, "MPN exact", "mpn_exact", model.Mpn.N, model.Mpn.Value, baseline.Mpn.Value, null, MpnTarget);
        yield return new EvalRow(name, "GTIN found", "gtin_found", model.Gtin.N, model.Gtin.Value, baseline.Gtin.Value, null, GtinTarget);
        if (model.AttributesAll is { } all)
            yield return new EvalRow(name, $"attribute F1, all annotated ({all.PaveRecords} wdc-pave records)", "attributes_all.f1", all.Annotated, all.Value,
                baseline.AttributesAll?.Value, null, AttributeTarget);
        foreach (var row in QualityRows(name, records, modelLabels, baselineLabels, null)) yield return row;

        // as stored: the Validator's verdict beside each MPN (shape rules, then the mpn-plausibility model); an MPN judged
        // implausible is the pipeline saying "no MPN here", so these figures count it as nothing extracted
        if (validator is not null)
        {
            var validated = Validated(modelLabels, modelCategories);
            var validatedBaseline = Validated(baselineLabels, baselineCategories);
            foreach (var row in QualityRows(name + ", MPN as validated", records, validated, validatedBaseline, null).Where(r => r.Key.StartsWith("mpn", StringComparison.Ordinal)))
                yield return row with { Key = "validated_" + row.Key };
        }

        IReadOnlyDictionary<string, string?>[] Validated(IReadOnlyDictionary<string, string?>[] labels, string?[] categoriesOf)
        {
            var verdicts = validator.Validate(labels.Select((l, i) => new ValidateIdentifiers(Guid.Empty, l.GetValueOrDefault("BRAND"), l.GetValueOrDefault("MPN"), null, categoriesOf[i])).ToArray());
            return labels.Select((l, i) => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>(l)
            {
                ["MPN"] = verdicts[i].Any(v => v.Kind == "mpn" && v.Valid) ? l.GetValueOrDefault("MPN") : null,
            }).ToArray();
        }

        IReadOnlyDictionary<string, string?>[] Run(ICategoryClassifier categories, IReadOnlyDictionary<string, IAttributeExtractor> extractorsByName, string?[] categoriesOf)
        {
            var texts = records.Select(r => r.Text).ToArray();
            var predictions = texts.Chunk(256).SelectMany(categories.Classify).ToArray();
            for (var i = 0; i < texts.Length; i++) categoriesOf[i] = predictions[i].Category;
            var labels = new IReadOnlyDictionary<string, string?>[texts.Length];
            foreach (var group in Enumerable.Range(0, texts.Length).GroupBy(i => router.ExtractorFor(predictions[i].Category, predictions[i].Confidence)))
            {
                var indexes = group.ToArray();
                var extracted = indexes.Select(i => texts[i]).Chunk(64).SelectMany(extractorsByName[group.Key].Extract).ToArray();
                for (var k = 0; k < indexes.Length; k++) labels[indexes[k]] = ToLabels(extracted[k]);
            }

            return labels;
        }
    }

    IEnumerable<EvalRow> EvaluateClassifier(OnnxCategoryClassifier classifier, IReadOnlyList<EvalRecord> records, Dictionary<string, Dictionary<string, object?>> byModel)
    {
        var scored = records.Where(r => r.CoarseCategory is not null).ToArray();
        var truth = scored.Select(r => r.CoarseCategory!).ToArray();
        var texts = scored.Select(r => r.Text).ToArray();
        var predictions = texts.Chunk(256).SelectMany(classifier.Classify).ToArray();
        var evaluationCategories = Metrics.EvaluationCategories(truth);
        var model = Metrics.Classify(truth, predictions.Select(p => p.Category).ToArray(), evaluationCategories,
            predictions.Select(p => (IReadOnlyList<string>)p.TopK.Take(3).Select(t => t.Category).ToArray()).ToArray());
        var baselinePredictions = new KeywordCategoryClassifier().Classify(texts);
        var baseline = Metrics.Classify(truth, baselinePredictions.Select(p => p.Category).ToArray(), evaluationCategories);
        var claimed = ManifestFigures.Claimed(modelsDirectory, classifier.Model.Name);
        var name = classifier.Model.Name;
        byModel[name] = new()
        {
            ["n"] = model.N, ["accuracy"] = model.Accuracy, ["macro_f1"] = model.MacroF1, ["top3_accuracy"] = model.Top3Accuracy,
            ["f1_per_category"] = model.F1PerCategory, ["evaluation_categories"] = evaluationCategories,
            ["baseline"] = new Dictionary<string, object?> { ["name"] = new KeywordCategoryClassifier().Model.ToString(), ["accuracy"] = baseline.Accuracy, ["macro_f1"] = baseline.MacroF1 },
        };
        yield return new EvalRow(name, "accuracy", "accuracy", model.N, model.Accuracy, baseline.Accuracy, claimed("accuracy"), AccuracyTarget);
        yield return new EvalRow(name, $"macro-F1 ({evaluationCategories.Length} categories ≥ 30 records)", "macro_f1", model.N, model.MacroF1, baseline.MacroF1, claimed("macro_f1"), MacroF1Target);
        yield return new EvalRow(name, "top-3 accuracy", "top3_accuracy", model.N, model.Top3Accuracy, null, claimed("top3_accuracy"), null);
    }

    IEnumerable<EvalRow> EvaluateExtractor(OnnxAttributeExtractor extractor, IReadOnlyList<EvalRecord> records, HashSet<string> routed,
        Dictionary<string, Dictionary<string, object?>> byModel, StreamWriter? dump)
    {
        var categories = extractor.ServesCategories;
        var own = categories.Count > 0
            ? records.Where(r => r.CoarseCategory is not null && categories.Contains(r.CoarseCategory)).ToArray()
            : records.Where(r => r.CoarseCategory is null || !routed.Contains(r.CoarseCategory)).ToArray();
        var texts = own.Select(r => r.Text).ToArray();
        var decoded = texts.Chunk(64).SelectMany(extractor.Decode).ToArray();
        var predictions = decoded.Select(spans => (IReadOnlyDictionary<string, string?>)spans.ToDictionary(s => s.Label, s => (string?)s.Value)).ToArray();
        var attributes = categories.Count > 0;
        var model = Metrics.Extract(own, predictions, extractor.AttributeNames, attributes);
        if (dump is not null)
        {
            for (var r = 0; r < own.Length; r++)
                dump.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    id = own[r].Id, fold = own[r].Fold, extractor = extractor.Model.Name,
                    spans = decoded[r].Select(s => new { label = s.Label, value = s.Value, start = s.Start, stop = s.Stop, score = s.Score }),
                }));
        }

        var baselineExtractor = RegexAttributeExtractor.ForExtractors([extractor.Serves[0]]).Values.Single();
        var baselinePredictions = baselineExtractor.Extract(texts).Select(ToLabels).ToArray();
        var baseline = Metrics.Extract(own, baselinePredictions, extractor.AttributeNames, attributes);
        var name = extractor.Model.Name;
        var claimed = ManifestFigures.Claimed(modelsDirectory, name);
        byModel[name] = new()
        {
            ["records"] = model.Records,
            ["brand_exact"] = model.Brand.Value, ["brand_exact_n"] = model.Brand.N,
            ["mpn_exact"] = model.Mpn.Value, ["mpn_exact_n"] = model.Mpn.N,
            ["gtin_found"] = model.Gtin.Value, ["gtin_found_n"] = model.Gtin.N, ["gtin_found_hits"] = model.Gtin.Hits,
            ["extraction_rules"] = extractor.Rules.EnabledNames,
            ["attributes_all"] = F1Json(model.AttributesAll), ["attributes_category"] = F1Json(model.AttributesCategory),
            ["baseline"] = new Dictionary<string, object?>
            {
                ["name"] = baselineExtractor.Model.ToString(), ["brand_exact"] = baseline.Brand.Value, ["mpn_exact"] = baseline.Mpn.Value,
                ["gtin_found"] = baseline.Gtin.Value, ["attributes_all"] = baseline.AttributesAll?.Value, ["attributes_category"] = baseline.AttributesCategory?.Value,
            },
        };
        if (model.Brand.N > 0) yield return new EvalRow(name, "brand exact", "brand_exact", model.Brand.N, model.Brand.Value, baseline.Brand.Value, claimed("brand_exact"), BrandTarget);
        if (model.Mpn.N > 0) yield return new EvalRow(name, "MPN exact", "mpn_exact", model.Mpn.N, model.Mpn.Value, baseline.Mpn.Value, claimed("mpn_exact"), MpnTarget);
        if (model.Gtin.N > 0) yield return new EvalRow(name, "GTIN found", "gtin_found", model.Gtin.N, model.Gtin.Value, baseline.Gtin.Value, claimed("gtin_found"), GtinTarget);
        if (model.AttributesAll is { } all)
            yield return new EvalRow(name, $"attribute F1, all annotated ({all.PaveRecords} wdc-pave records)", "attributes_all.f1", all.Annotated, all.Value,
                baseline.AttributesAll?.Value, claimed("attributes_all.f1"), AttributeTarget);
        if (model.AttributesCategory is { } cat)
            yield return new EvalRow(name, "attribute F1, category attributes only", "attributes_category.f1", cat.Annotated, cat.Value,
                baseline.AttributesCategory?.Value, claimed("attributes_category.f1"), null);
        foreach (var row in QualityRows(name, own, predictions, baselinePredictions, claimed))
        {
            byModel[name][row.Key] = row.Value;
            yield return row;
        }
    }

    /// <summary>Brand and MPN precision, recall and F1 over every record (<see cref="Metrics.Quality"/>), beside the baseline's.</summary>
    static IEnumerable<EvalRow> QualityRows(string name, IReadOnlyList<EvalRecord> records, IReadOnlyList<IReadOnlyDictionary<string, string?>> model,
        IReadOnlyList<IReadOnlyDictionary<string, string?>> baseline, Func<string, double?>? claimed)
    {
        foreach (var (label, key, what) in new[] { ("BRAND", "brand", "brand"), ("MPN", "mpn", "MPN") })
        {
            var m = Metrics.Quality(records, model, label);
            var b = Metrics.Quality(records, baseline, label);
            var (precisionTarget, recallTarget) = label == "MPN" ? (MpnPrecisionTarget, (double?)MpnRecallTarget) : ((double?)null, (double?)null);
            yield return new EvalRow(name, $"{what} precision, every record ({m.Predicted:N0} extracted)", $"{key}_precision", records.Count, m.Precision, b.Precision,
                claimed?.Invoke($"{key}_precision"), label == "MPN" ? precisionTarget : null);
            yield return new EvalRow(name, $"{what} recall, label in the text", $"{key}_recall", m.InText, m.Recall, b.Recall, claimed?.Invoke($"{key}_recall"), recallTarget);
            yield return new EvalRow(name, $"{what} F1", $"{key}_f1", records.Count, m.F1, b.F1, claimed?.Invoke($"{key}_f1"), null);
            yield return new EvalRow(name, $"{what} recall, every labelled record", $"{key}_recall_all_labels", m.Labelled, m.RecallAllLabels, b.RecallAllLabels, null, null);
            yield return new EvalRow(name, $"no {what} extracted where there is no label", $"{key}_none_when_unlabelled", m.Unlabelled, m.NoneWhenUnlabelled, b.NoneWhenUnlabelled, null, null);
        }
    }

    /// <summary>
    /// The cascade on the records with a category: accuracy and macro-F1 beside the fast classifier alone (its baseline), the share that
    /// took the deep path and how right each model was there, and the figures per source (data unlike most of the training data).
    /// </summary>
    IEnumerable<EvalRow> EvaluateCascade(Cascade cascade, OnnxDeepCategoryClassifier deep, IReadOnlyList<EvalRecord> records,
        Dictionary<string, Dictionary<string, object?>> byModel)
    {
        var scored = records.Where(r => r.CoarseCategory is not null).ToArray();
        var truth = scored.Select(r => r.CoarseCategory!).ToArray();
        var texts = scored.Select(r => r.Text).ToArray();
        var fast = texts.Chunk(256).SelectMany(deep.FastClassifier.Classify).ToArray();
        var decided = new CategoryPrediction[texts.Length];
        var onDeepPath = new bool[texts.Length];
        for (var start = 0; start < texts.Length; start += 256)
        {
            var chunk = texts.Skip(start).Take(256).ToArray();
            var predictions = cascade.Classify(chunk, out var deepIndexes);
            for (var k = 0; k < chunk.Length; k++) decided[start + k] = predictions[k];
            foreach (var i in deepIndexes) onDeepPath[start + i] = true;
        }

        var categories = Metrics.EvaluationCategories(truth);
        var model = Metrics.Classify(truth, decided.Select(p => p.Category).ToArray(), categories);
        var alone = Metrics.Classify(truth, fast.Select(p => p.Category).ToArray(), categories);
        var deepRecords = Enumerable.Range(0, truth.Length).Where(i => onDeepPath[i]).ToArray();
        var share = PyText.Round4((double)deepRecords.Length / truth.Length);
        var deepRight = PyText.Round4((double)deepRecords.Count(i => decided[i].Category == truth[i]) / Math.Max(1, deepRecords.Length));
        var fastRight = PyText.Round4((double)deepRecords.Count(i => fast[i].Category == truth[i]) / Math.Max(1, deepRecords.Length));
        var name = deep.Model.Name;
        var claimed = ManifestFigures.Claimed(modelsDirectory, name);
        var figures = byModel[name] = new()
        {
            ["n"] = model.N, ["accuracy"] = model.Accuracy, ["macro_f1"] = model.MacroF1, ["gate"] = cascade.Gate, ["deep_share"] = share,
            ["deep_path_accuracy"] = deepRight, ["deep_path_fast_accuracy"] = fastRight,
            ["baseline"] = new Dictionary<string, object?> { ["name"] = $"{deep.FastModel} alone", ["accuracy"] = alone.Accuracy, ["macro_f1"] = alone.MacroF1 },
        };
        const string what = "cascade";
        yield return new EvalRow(name, $"{what} accuracy (gate {cascade.Gate:0.##})", "accuracy", model.N, model.Accuracy, alone.Accuracy, claimed("accuracy"), AccuracyTarget);
        yield return new EvalRow(name, $"{what} macro-F1 ({categories.Length} categories ≥ 30 records)", "macro_f1", model.N, model.MacroF1, alone.MacroF1, claimed("macro_f1"), MacroF1Target);
        yield return new EvalRow(name, "share of products on the deep path", "deep_share", model.N, share, null, null, null);
        yield return new EvalRow(name, "accuracy on the deep path (baseline: the fast answer)", "deep_path_accuracy", deepRecords.Length, deepRight, fastRight, claimed("deep_path_accuracy"), null);
        foreach (var source in scored.Select(r => r.Source).Distinct().Order(StringComparer.Ordinal))
        {
            var ix = Enumerable.Range(0, scored.Length).Where(i => scored[i].Source == source).ToArray();
            var own = Metrics.EvaluationCategories(ix.Select(i => truth[i]));
            if (own.Length == 0) continue;
            var m = Metrics.Classify(ix.Select(i => truth[i]).ToArray(), ix.Select(i => decided[i].Category).ToArray(), own);
            var b = Metrics.Classify(ix.Select(i => truth[i]).ToArray(), ix.Select(i => fast[i].Category).ToArray(), own);
            var key = $"by_source.{source.Replace('/', '_')}.macro_f1";
            figures[$"by_source_{source.Replace('/', '_')}_macro_f1"] = m.MacroF1;
            yield return new EvalRow(name, $"{what} macro-F1, {source} records only ({own.Length} categories ≥ 30)", key, m.N, m.MacroF1, b.MacroF1,
                claimed($"by_source_{source.Replace('/', '_')}_macro_f1"), null);
        }
    }

    /// <summary>The deep model's manifest figures of models trained without a source or a category (Python, at build).</summary>
    static IEnumerable<EvalRow> HeldOutFigures(string modelsDirectory, string name)
    {
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(modelsDirectory, name, "manifest.json")))?["metrics"];
        if (metrics?["across_sources"] is System.Text.Json.Nodes.JsonObject sources)
        {
            foreach (var (source, row) in sources)
            {
                var held = row!["held_out_source"]!;
                var rest = row["folds89_of_the_rest"]!;
                var gap = row["macro_f1_gap"]!.GetValue<double>();
                yield return new EvalRow($"trained without {source}", $"cascade macro-F1 on its {held["cascade"]!["n"]} records (folds 8+9 of the rest: {rest["cascade"]!["macro_f1"]})",
                    "across_sources", held["cascade"]!["n"]!.GetValue<int>(), held["cascade"]!["macro_f1"]!.GetValue<double>(),
                    held["fast_alone"]!["macro_f1"]!.GetValue<double>(), rest["cascade"]!["macro_f1"]!.GetValue<double>() - SourceGapTarget, null);
                _ = gap;
            }
        }

        if (metrics?["leave_one_category_out"] is { } loco)
        {
            foreach (var (category, row) in loco["categories"]!.AsObject())
                yield return new EvalRow($"trained without {category}", $"its folds 8+9 records put in it (confidently wrong: {row!["confidently_wrong"]})", "recognised",
                    row["records"]!.GetValue<int>(), row["recognised"]!.GetValue<double>(), null, null, null);
            yield return new EvalRow("leave one category out", "mean share recognised", "mean_recognised", loco["categories"]!.AsObject().Count,
                loco["mean_recognised"]!.GetValue<double>(), null, null, WithheldRecognisedTarget);
        }
    }

    /// <summary>CPU time per product of the deep classifier alone (as its service runs it), at batch 32 on one thread, over the texts that take the deep path.</summary>
    static Timing TimeDeep(Cascade cascade, OnnxDeepCategoryClassifier deep, string[] texts)
    {
        var deepTexts = texts.Chunk(256).SelectMany(chunk =>
        {
            cascade.Classify(chunk, out var deepIndexes);
            return deepIndexes.Select(i => chunk[i]);
        }).ToArray();
        return Measure(deepTexts, batch => deep.Classify(batch));
    }

    static Dictionary<string, object?>? F1Json(Metrics.F1? f1) => f1 is null ? null : new()
    {
        ["f1"] = f1.Value, ["precision"] = PyText.Round4(f1.Precision), ["recall"] = PyText.Round4(f1.Recall),
        ["annotated"] = f1.Annotated, ["predicted"] = f1.Predicted, ["pave_records"] = f1.PaveRecords,
    };

    static IReadOnlyDictionary<string, string?> ToLabels(Extraction extraction)
    {
        var labels = new Dictionary<string, string?> { ["BRAND"] = extraction.Brand, ["MPN"] = extraction.Mpn, ["GTIN"] = extraction.Gtin };
        foreach (var (name, value) in extraction.Attributes) labels[name] = value;
        return labels;
    }

    IEnumerable<EvalRow> EvaluateMpn(OnnxMpnScorer scorer, IReadOnlyList<EvalRecord> records, Dictionary<string, Dictionary<string, object?>> byModel)
    {
        var tables = scorer.Featurizer.Tables;
        var examples = new MpnExamples(tables).Make(records, seed: 3);
        var labels = examples.Select(e => e.Label).ToArray();
        var scores = examples.Chunk(1024).SelectMany(c => scorer.Score(c.Select(e => new MpnCandidate(e.Brand, e.Candidate, e.Category)).ToArray())).ToArray();
        var rules = new MpnRules();
        var baselineScores = examples.Select(e => rules.Check(e.Candidate, string.IsNullOrEmpty(e.Brand) ? null : e.Brand).Valid ? 1.0 : 0.0).ToArray();
        var auc = PyText.Round4(Metrics.Auc(scores, labels));
        var baselineAuc = PyText.Round4(Metrics.Auc(baselineScores, labels));
        var (precision, recall) = Metrics.At(scores, labels, scorer.Threshold);
        var (baselinePrecision, baselineRecall) = Metrics.At(baselineScores, labels, 0.5);
        var name = scorer.Model.Name;
        var claimed = ManifestFigures.Claimed(modelsDirectory, name);
        byModel[name] = new()
        {
            ["examples"] = examples.Count, ["positives"] = labels.Count(l => l == 1), ["auc"] = auc, ["threshold"] = scorer.Threshold,
            ["precision"] = PyText.Round4(precision), ["recall"] = PyText.Round4(recall),
            ["baseline"] = new Dictionary<string, object?>
            {
                ["name"] = IdentifierValidator.Baseline.ToString(), ["auc"] = baselineAuc,
                ["precision"] = PyText.Round4(baselinePrecision), ["recall"] = PyText.Round4(baselineRecall),
            },
        };
        yield return new EvalRow(name, "AUC", "auc", examples.Count, auc, baselineAuc, claimed("auc"), null);
        yield return new EvalRow(name, $"precision @ {scorer.Threshold:0.####}", "precision", examples.Count, PyText.Round4(precision), PyText.Round4(baselinePrecision), claimed("precision"), null);
        yield return new EvalRow(name, $"recall @ {scorer.Threshold:0.####}", "recall", examples.Count, PyText.Round4(recall), PyText.Round4(baselineRecall), claimed("recall"), null);
    }

    /// <summary>Classify a batch, then extract each text with the extractor its category routes to; CPU and wall time per product.</summary>
    static Timing Time(string[] texts, ICategoryClassifier classifier, IReadOnlyDictionary<string, IAttributeExtractor> route, IAttributeExtractor fallback)
    {
        return Measure(texts, batch =>
        {
            var categories = classifier.Classify(batch);
            foreach (var group in Enumerable.Range(0, batch.Length).GroupBy(i => categories[i].Category is { } c && route.TryGetValue(c, out var e) ? e : fallback))
                group.Key.Extract(group.Select(i => batch[i]).ToArray());
        });
    }

    /// <summary>CPU and wall time per text of running the batches (of <see cref="TimingBatch"/>) once, after one warm-up pass.</summary>
    static Timing Measure(string[] texts, Action<string[]> RunBatch)
    {
        var batches = texts.Chunk(TimingBatch).ToArray();
        foreach (var batch in batches) RunBatch(batch); // warm up: JIT and first-call allocations out of the figure
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        foreach (var batch in batches) RunBatch(batch);
        wall.Stop();
        process.Refresh();
        var cpuUsed = process.TotalProcessorTime - cpu;
        return new Timing(TimingBatch, texts.Length, cpuUsed.TotalMicroseconds / Math.Max(1, texts.Length), wall.Elapsed.TotalMicroseconds / Math.Max(1, texts.Length));
    }
}
