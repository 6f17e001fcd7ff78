using Inference.Cli.Eval;

namespace Inference.Tests.Models;

/// <summary>
/// The shipped models on the held-out records (models/eval/folds89.jsonl), measured by <c>inference eval</c>'s code: no model may fall below
/// what its manifest claims, and each must be ahead of its baseline on its headline figures.
/// </summary>
[Category("Models")]
public sealed class ModelEvaluationTests
{
    EvalReport _report = null!;

    [OneTimeSetUp]
    public void Evaluate() =>
        _report = new ModelEvaluation(Artifacts.Root, Path.Combine(Path.GetDirectoryName(Artifacts.Root)!, "eval", "folds89.jsonl")).Run();

    [Test]
    public void Should_reach_the_figures_the_manifests_claim()
    {
        using var scope = Assert.EnterMultipleScope();
        foreach (var row in _report.Rows.Where(r => r.Claimed is not null))
        {
            // one record's worth of slack: ONNX Runtime's last bits may tip a near-tie on a small set
            var tolerance = Math.Max(0.002, 1.0 / row.N);
            Assert.That(row.Value, Is.GreaterThanOrEqualTo(row.Claimed!.Value - tolerance), $"{row.Model} {row.Metric}: measured {row.Value}, the manifest claims {row.Claimed}");
        }
    }

    [Test]
    public void Should_be_ahead_of_the_baselines()
    {
        var headline = _report.Rows.Where(r => r.IsHeadline && r.Baseline is not null).ToArray();
        Assert.That(headline.Select(r => r.Model).Distinct().Order(), Is.EqualTo(Artifacts.Names), "every model has a headline figure");
        using var scope = Assert.EnterMultipleScope();
        foreach (var row in headline)
            Assert.That(row.Value, Is.GreaterThan(row.Baseline!.Value), $"{row.Model} {row.Metric}: model {row.Value}, baseline {row.Baseline}");
    }

    [Test]
    public void Should_score_the_deployed_pipeline_ahead_of_the_routed_baselines()
    {
        var rows = _report.Pipeline.ToDictionary(r => r.Key);
        Assert.That(rows.Keys, Is.SupersetOf(new[] { "brand_exact", "mpn_exact", "gtin_found", "attributes_all.f1" }));
        // the pipeline scores every record, and the extractors' own shares partition them: the counts agree
        Assert.That(rows["brand_exact"].N, Is.EqualTo(_report.ByModel.Values.Sum(m => m.TryGetValue("brand_exact_n", out var n) && n is int i ? i : 0)));
        using var scope = Assert.EnterMultipleScope();
        foreach (var row in _report.Pipeline.Where(r => r.IsHeadline))
            Assert.That(row.Value, Is.GreaterThan(row.Baseline!.Value), $"{row.Metric}: models {row.Value}, baselines {row.Baseline}");
    }

    [Test]
    public void Should_time_classify_and_extract() =>
        Assert.That(_report.ModelTiming.CpuMicrosecondsPerProduct, Is.GreaterThan(0));
}
