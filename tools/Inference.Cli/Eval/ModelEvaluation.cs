using System.Diagnostics;
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
public sealed record EvalReport(string RecordsPath, int Records, IReadOnlyList<EvalRow> Rows, Timing ModelTiming, Timing BaselineTiming,
    Timing LongTextTiming, IReadOnlyDictionary<string, Dictionary<string, object?>> ByModel, ExtractionRule Rules, IReadOnlyList<EvalRow> Pipeline)
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
public sealed class ModelEvaluation(string modelsDirectory, string recordsPath, ExtractionRule rules = ExtractionRule.All, string? dumpPath = null,
    RoutingOptions? routing = null)
{
    public const string PipelineName = "pipeline";

    public const double AccuracyTarget = 0.92, MacroF1Target = 0.88, BrandTarget = 0.92, MpnTarget = 0.85, GtinTarget = 0.95, AttributeTarget = 0.85;
    public const int TimingBatch = 32;

    public EvalReport Run(Action<string>? progress = null)
    {
        progress ??= _ => { };
        var records = EvalRecord.Load(recordsPath);
        using var registry = new OnnxModelRegistry();
        var options = new ModelOptions { Directory = modelsDirectory, ExtractionRules = rules };
        using var dump = dumpPath is null ? null : new StreamWriter(dumpPath);
        var rows = new List<EvalRow>();
        var byModel = new Dictionary<string, Dictionary<string, object?>>();

        progress("classifier");
        var classifier = OnnxModels.Classifier(options, registry);
        rows.AddRange(EvaluateClassifier(classifier, records, byModel));

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
        var pipeline = EvaluatePipeline(records, new CategoryRouter(Options.Create(routing ?? DefaultRouting(extractors))), classifier,
            extractors.SelectMany(e => e.Serves.Select(n => (n, (IAttributeExtractor)e))).ToDictionary(p => p.n, p => p.Item2),
            new KeywordCategoryClassifier(), baselines, extractors.SelectMany(e => e.AttributeNames).ToHashSet()).ToArray();

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
        rows = rows.Select(r => r with { Python = ManifestFigures.Folds89(modelsDirectory, r.Model)(r.Key) }).ToList();
        return new EvalReport(recordsPath, records.Count, rows, modelTiming, baselineTiming, longTiming, byModel, rules, pipeline);
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
        ICategoryClassifier baselineClassifier, IReadOnlyDictionary<string, IAttributeExtractor> baselineExtractors, IReadOnlyCollection<string> attributeNames)
    {
        var model = Metrics.Extract(records, Run(classifier, extractors), attributeNames, attributes: true);
        var baseline = Metrics.Extract(records, Run(baselineClassifier, baselineExtractors), attributeNames, attributes: true);
        const string name = PipelineName + " (classify, route, extract)";
        yield return new EvalRow(name, "brand exact", "brand_exact", model.Brand.N, model.Brand.Value, baseline.Brand.Value, null, BrandTarget);
        yield return new EvalRow(name, "MPN exact", "mpn_exact", model.Mpn.N, model.Mpn.Value, baseline.Mpn.Value, null, MpnTarget);
        yield return new EvalRow(name, "GTIN found", "gtin_found", model.Gtin.N, model.Gtin.Value, baseline.Gtin.Value, null, GtinTarget);
        if (model.AttributesAll is { } all)
            yield return new EvalRow(name, $"attribute F1, all annotated ({all.PaveRecords} wdc-pave records)", "attributes_all.f1", all.Annotated, all.Value,
                baseline.AttributesAll?.Value, null, AttributeTarget);

        IReadOnlyDictionary<string, string?>[] Run(ICategoryClassifier categories, IReadOnlyDictionary<string, IAttributeExtractor> extractorsByName)
        {
            var texts = records.Select(r => r.Text).ToArray();
            var predictions = texts.Chunk(256).SelectMany(categories.Classify).ToArray();
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
        var batches = texts.Chunk(TimingBatch).ToArray();
        void RunBatch(string[] batch)
        {
            var categories = classifier.Classify(batch);
            foreach (var group in Enumerable.Range(0, batch.Length).GroupBy(i => categories[i].Category is { } c && route.TryGetValue(c, out var e) ? e : fallback))
                group.Key.Extract(group.Select(i => batch[i]).ToArray());
        }

        foreach (var batch in batches) RunBatch(batch); // warm up: JIT and first-call allocations out of the figure
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        foreach (var batch in batches) RunBatch(batch);
        wall.Stop();
        process.Refresh();
        var cpuUsed = process.TotalProcessorTime - cpu;
        return new Timing(TimingBatch, texts.Length, cpuUsed.TotalMicroseconds / texts.Length, wall.Elapsed.TotalMicroseconds / texts.Length);
    }
}
