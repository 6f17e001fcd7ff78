using Inference.Models.Onnx;
using Microsoft.Extensions.Configuration;

namespace Inference.Models;

/// <summary>Which models a service runs: the trained ONNX models, the baselines, or pass-throughs for measuring orchestration alone.</summary>
public sealed class ModelOptions
{
    public const string Section = "Models";

    public ModelKind Kind { get; set; } = ModelKind.Onnx;

    /// <summary>Where the ONNX models' folders (each with <c>manifest.json</c>) are; relative paths start at the service's folder.</summary>
    public string Directory { get; set; } = "models";

    /// <summary>ONNX Runtime threads inside one model call. One by default: many services share few cores, and batches bring the parallelism.</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>How many categories a classification reports besides the best.</summary>
    public int TopK { get; set; } = 3;

    /// <summary>The rules the ONNX extractors run after their decoder (<c>All</c> by default; <c>None</c>, or names joined by commas, to measure them).</summary>
    public ExtractionRule ExtractionRules { get; set; } = ExtractionRule.All;

    /// <summary>
    /// A decoded MPN whose span scores below this is dropped, so the extractor can answer "no MPN" (0, the default, keeps every
    /// one). Off by default: it trades the MPN recall the pipeline's targets are stated in for precision (models/README.md has
    /// the value fold 7 chose and what it does).
    /// </summary>
    public double MpnMinimumScore { get; set; }

    /// <summary>The models folder as an absolute path.</summary>
    public string FullDirectory => Path.GetFullPath(Directory, AppContext.BaseDirectory);

    /// <summary>Reads the section, refusing values that cannot work.</summary>
    public static ModelOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<ModelOptions>() ?? new ModelOptions();
        if (options.IntraOpThreads is < 1 or > 64)
            throw new InvalidOperationException($"{Section}:{nameof(IntraOpThreads)} = {options.IntraOpThreads}: use 1 to 64.");
        if (options.TopK is < 1 or > 100)
            throw new InvalidOperationException($"{Section}:{nameof(TopK)} = {options.TopK}: use 1 to 100.");
        if (options.MpnMinimumScore is < 0 or > 1)
            throw new InvalidOperationException($"{Section}:{nameof(MpnMinimumScore)} = {options.MpnMinimumScore}: use 0 (keep every MPN) to 1.");
        if (string.IsNullOrWhiteSpace(options.Directory))
            throw new InvalidOperationException($"{Section}:{nameof(Directory)} is empty: name the folder holding the models' folders.");
        return options;
    }
}

public enum ModelKind
{
    /// <summary>The trained models, run by ONNX Runtime.</summary>
    Onnx,

    /// <summary>Hand-written rules: the fallback, and the yardstick the models are measured against.</summary>
    Baseline,

    /// <summary>A fixed answer for every product, so a benchmark measures the pipeline without model cost.</summary>
    Null,
}
