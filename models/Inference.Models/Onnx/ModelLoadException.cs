namespace Inference.Models.Onnx;

/// <summary>A model that must not run: a missing or altered file, or a manifest that does not describe the ONNX graph. Names the model and the file.</summary>
public sealed class ModelLoadException(string model, string file, string problem)
    : Exception($"model '{model}': {file}: {problem}")
{
    public string ModelName { get; } = model;

    public string File { get; } = file;
}
