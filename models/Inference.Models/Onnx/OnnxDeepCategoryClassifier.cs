using Inference.Contracts;

namespace Inference.Models.Onnx;

/// <summary>
/// The deep classifier: a pretrained sentence encoder (int8) embeds the title, and the graph blends zero-shot scores (the written
/// category descriptions), few-shot scores (nearest training titles) and the fast classifier's probabilities into the deciding
/// distribution. The fast classifier runs here too (tens of microseconds), so the blend always sees its whole distribution.
/// </summary>
public sealed class OnnxDeepCategoryClassifier : IDeepCategoryClassifier
{
    public const string Task = "classification-deep";

    /// <summary>
    /// Titles per encoder call, whatever the batch the service hands over: ONNX Runtime keeps what its largest call needed, and
    /// calls of 8 rather than 32 take 25-35 MB off the deep classifier's peak at no more CPU per title
    /// (bench/results/experiments/few-shot-memory/).
    /// </summary>
    public const int EncoderBatch = 8;

    readonly LoadedModel _model;
    readonly OnnxCategoryClassifier _fast;
    readonly string[] _labels;
    readonly int _topK;
    readonly string _probsOutput;

    public OnnxDeepCategoryClassifier(LoadedModel model, OnnxCategoryClassifier fast, int topK = 3)
    {
        var manifest = model.Manifest;
        if (manifest.Task != Task) throw manifest.Invalid($"task is '{manifest.Task}', a deep classifier needs '{Task}'");
        _model = model;
        _fast = fast;
        _labels = manifest.Labels();
        if (!_labels.SequenceEqual(fast.Labels))
            throw manifest.Invalid($"its labels [{string.Join(", ", _labels)}] are not the fast classifier's [{string.Join(", ", fast.Labels)}] in the same order");
        Encoder = new SentenceEncoder(model, extraInputs: ["fast_probs"]);
        _probsOutput = manifest.Outputs.FirstOrDefault(o => o.Name == "probs" && o.Rank == 2 && o.Fixed(1) == _labels.Length)?.Name
                       ?? throw manifest.Invalid($"a deep classifier has an output 'probs' [batch, {_labels.Length}]");
        _topK = Math.Min(topK, _labels.Length);
        Gate = manifest.Get<double>(manifest.Json["gate"]?["value"], "gate.value");
    }

    public ModelRef Model => _model.Ref;

    public ModelRef FastModel => _fast.Model;

    public IReadOnlyList<string> Labels => _labels;

    /// <summary>The fast classifier whose probabilities the graph blends in.</summary>
    public OnnxCategoryClassifier FastClassifier => _fast;

    public SentenceEncoder Encoder { get; }

    /// <summary>The gate the model was tuned with (the manifest's; the Orchestrator's <c>Routing:DeepGate</c> is what routes).</summary>
    public double Gate { get; }

    public IReadOnlyList<CategoryPrediction> Classify(IReadOnlyList<string> texts) =>
        Probabilities(texts, _fast.Probabilities(texts)).Select(Predict).ToArray();

    /// <summary>The deciding distribution per text, given the fast classifier's probabilities for the same texts.</summary>
    public float[][] Probabilities(IReadOnlyList<string> texts, float[][] fastProbabilities) =>
        Encoder.Run(texts, _probsOutput, _labels.Length, (rows, batch) =>
        {
            var fast = new float[batch.Length * _labels.Length];
            for (var r = 0; r < batch.Length; r++) fastProbabilities[batch[r]].CopyTo(fast, r * _labels.Length);
            return [OnnxRun.Tensor(fast, fast.Length, rows, _labels.Length)];
        }, EncoderBatch);

    /// <summary>The prediction a probability row (in the order of <see cref="Labels"/>) makes.</summary>
    public CategoryPrediction Predict(float[] probs) => CategoryPrediction.FromProbabilities(_labels, probs, _topK);
}
