using Inference.Models.Onnx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

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

    /// <summary>Reads the section at registration time, refusing what <see cref="ModelOptionsValidator"/> refuses.</summary>
    public static ModelOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<ModelOptions>() ?? new ModelOptions();
        var result = new ModelOptionsValidator().Validate(null, options);
        return result.Failed ? throw new OptionsValidationException(Section, typeof(ModelOptions), result.Failures) : options;
    }
}

/// <summary>Refuses model settings that cannot work, naming the key.</summary>
public sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        const string S = ModelOptions.Section;
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Kind))
            failures.Add($"{S}:{nameof(options.Kind)} must be Onnx, Baseline or Null, was {options.Kind}.");
        if (options.IntraOpThreads is < 1 or > 64)
            failures.Add($"{S}:{nameof(options.IntraOpThreads)} must be within [1, 64], was {options.IntraOpThreads}.");
        if (options.TopK is < 1 or > 100)
            failures.Add($"{S}:{nameof(options.TopK)} must be within [1, 100], was {options.TopK}.");
        if (options.MpnMinimumScore is < 0 or > 1)
            failures.Add($"{S}:{nameof(options.MpnMinimumScore)} must be within [0, 1] (0 keeps every MPN), was {options.MpnMinimumScore}.");
        if (string.IsNullOrWhiteSpace(options.Directory))
            failures.Add($"{S}:{nameof(options.Directory)} is empty: name the folder holding the models' folders.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
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
