using Inference.Contracts;
using Inference.Models.Onnx.Text;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Models.Onnx;

/// <summary>A model whose files were checked against its manifest, with its one ONNX Runtime session.</summary>
public sealed class LoadedModel(ModelManifest manifest, InferenceSession session, UnicodeTables? tables)
{
    public ModelManifest Manifest { get; } = manifest;

    public InferenceSession Session { get; } = session;

    /// <summary>The Unicode tables the model's tokenizer was trained with.</summary>
    public UnicodeTables Tables => tables ?? throw Manifest.Invalid("names no featurizer.tokenizer.unicode_tables, which this model's featurizer needs");

    public ModelRef Ref { get; } = new(manifest.Name, manifest.Version);
}
