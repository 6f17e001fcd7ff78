using System.Text.Json;

namespace Inference.Gateway.Reprocessing;

/// <summary>
/// Which stored products to send through the pipeline again, and how fast; every filter optional. <paramref name="Stage"/> with
/// <paramref name="Below"/> picks the records whose model for that stage is older than a version (a record keeps the
/// <c>name@version</c> of each stage's model in <c>models</c>).
/// </summary>
/// <param name="Stage">A stage whose model the record names: classify, classify-deep, extract, validate.</param>
/// <param name="Below">With <paramref name="Stage"/>: the record's model for it is of a lower version (compared part by part, numerically).</param>
/// <param name="Category">The stored category.</param>
/// <param name="Source">The upstream source.</param>
/// <param name="StoredBefore">Stored (last written) before this time.</param>
/// <param name="Rate">Products per second (default Gateway:Reprocess:DefaultRate, at most Gateway:Reprocess:MaxRate).</param>
/// <param name="Limit">The most products to send.</param>
/// <param name="DryRun">Count what matches, send nothing.</param>
public sealed record ReprocessRequest(
    string? Stage, string? Below, string? Category, string? Source, DateTimeOffset? StoredBefore, double? Rate, int? Limit, bool DryRun)
{
    static readonly string[] Stages = [Sagas.Stage.Classify, Sagas.Stage.ClassifyDeep, Sagas.Stage.Extract, Sagas.Stage.Validate];

    public Dictionary<string, string[]> Validate(ReprocessOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        if (Stage is not null && !Stages.Contains(Stage))
            errors["stage"] = [$"'{Stage}' is not a stage with a model (one of {string.Join(", ", Stages)})."];
        if (Below is not null && Stage is null)
            errors["below"] = ["needs stage: the version is that of the stage's model."];
        if (Below is not null && ModelVersion.Parse(Below) is null)
            errors["below"] = [$"'{Below}' is not a version (numbers separated by dots, e.g. 1.2.0)."];
        if (Rate is { } rate && (rate <= 0 || rate > options.MaxRate))
            errors["rate"] = [$"must be within (0, {options.MaxRate}] products per second (Gateway:Reprocess:MaxRate), was {rate}."];
        if (Limit is < 1)
            errors["limit"] = [$"must be at least 1, was {Limit}."];
        return errors;
    }

    /// <summary>Whether a record's models (its <c>models</c> column: stage → <c>name@version</c>) match the stage and version filter.</summary>
    public bool MatchesModels(string modelsJson)
    {
        if (Stage is null) return true;
        var models = JsonSerializer.Deserialize<Dictionary<string, string>>(modelsJson) ?? [];
        if (!models.TryGetValue(Stage, out var model)) return false;
        if (Below is null) return true;
        var at = model.LastIndexOf('@');
        return ModelVersion.Parse(at < 0 ? "" : model[(at + 1)..]) is { } version && ModelVersion.Compare(version, ModelVersion.Parse(Below)!) < 0;
    }
}

/// <summary>Model versions as the manifests write them (<c>1.2.0</c>): numbers separated by dots, compared part by part.</summary>
public static class ModelVersion
{
    public static long[]? Parse(string text)
    {
        var parts = text.Split('.');
        var numbers = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!long.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out numbers[i])) return null;
        return numbers;
    }

    /// <summary>Missing parts count as 0: 1.2 is 1.2.0.</summary>
    public static int Compare(long[] a, long[] b)
    {
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var order = (i < a.Length ? a[i] : 0).CompareTo(i < b.Length ? b[i] : 0);
            if (order != 0) return order;
        }

        return 0;
    }
}
