namespace Inference.Models;

/// <summary>Which models a service runs: the trained ONNX models, the baselines, or pass-throughs for measuring orchestration alone.</summary>
public sealed class ModelOptions
{
    public const string Section = "Models";

    public ModelKind Kind { get; set; } = ModelKind.Baseline;

    /// <summary>Where the ONNX models' folders (each with <c>manifest.json</c>) are; relative paths start at the service's folder.</summary>
    public string Directory { get; set; } = "models";
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
