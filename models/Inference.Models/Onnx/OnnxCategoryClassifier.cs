using System.Collections.Concurrent;
using Inference.Contracts;

namespace Inference.Models.Onnx;

/// <summary>The trained category classifier: calibrated probabilities over the manifest's labels, best first, top-k.</summary>
public sealed class OnnxCategoryClassifier : ICategoryClassifier
{
    public const string Task = "classification";

    readonly LoadedModel _model;
    readonly string[] _labels;
    readonly int _topK;
    readonly string[] _inputNames;
    readonly string[] _outputNames;
    readonly ConcurrentBag<Buffers> _pool = [];

    public OnnxCategoryClassifier(LoadedModel model, int topK = 3)
    {
        var manifest = model.Manifest;
        if (manifest.Task != Task) throw manifest.Invalid($"task is '{manifest.Task}', a classifier needs '{Task}'");
        _model = model;
        _labels = manifest.Labels();
        if (manifest.Outputs.Count != 1 || manifest.Outputs[0].Rank != 2 || manifest.Outputs[0].Fixed(1) != _labels.Length)
            throw manifest.Invalid($"a classifier has one output [batch, {_labels.Length}] (one column per label); the manifest declares {string.Join(", ", manifest.Outputs)}");
        _topK = Math.Min(topK, _labels.Length);
        Featurizer = new ClassifierFeaturizer(manifest, model.Tables);
        _inputNames = [OnnxRun.InputOf(manifest, "int64"), OnnxRun.InputOf(manifest, "float32")];
        _outputNames = [manifest.Outputs[0].Name];
    }

    public ModelRef Model => _model.Ref;

    public IReadOnlyList<string> Labels => _labels;

    public ClassifierFeaturizer Featurizer { get; }

    public IReadOnlyList<CategoryPrediction> Classify(IReadOnlyList<string> texts) =>
        Probabilities(texts).Select(Predict).ToArray();

    /// <summary>The calibrated probability of every label (in the order of <see cref="Labels"/>), per text.</summary>
    public float[][] Probabilities(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0) return [];
        var buffers = _pool.TryTake(out var b) ? b : new Buffers();
        try
        {
            var rows = texts.Count;
            while (buffers.Rows.Count < rows) buffers.Rows.Add(new ClassifierFeaturizer.Workspace());
            var width = 1;
            for (var r = 0; r < rows; r++)
            {
                Featurizer.Featurize(texts[r] ?? "", buffers.Rows[r]);
                width = Math.Max(width, buffers.Rows[r].Ids.Count);
            }

            var size = rows * width;
            if (buffers.Ids.Length < size)
            {
                buffers.Ids = new long[size * 2];
                buffers.Counts = new float[size * 2];
            }

            Array.Clear(buffers.Ids, 0, size);
            Array.Clear(buffers.Counts, 0, size);
            for (var r = 0; r < rows; r++)
            {
                var row = buffers.Rows[r];
                for (var j = 0; j < row.Ids.Count; j++)
                {
                    buffers.Ids[r * width + j] = row.Ids[j];
                    buffers.Counts[r * width + j] = row.Counts[j];
                }
            }

            using var ids = OnnxRun.Tensor(buffers.Ids, size, rows, width);
            using var counts = OnnxRun.Tensor(buffers.Counts, size, rows, width);
            using var outputs = OnnxRun.Run(_model, _inputNames, [ids, counts], _outputNames);
            var probs = outputs[0].GetTensorDataAsSpan<float>();
            var result = new float[rows][];
            for (var r = 0; r < rows; r++) result[r] = probs.Slice(r * _labels.Length, _labels.Length).ToArray();
            return result;
        }
        finally
        {
            _pool.Add(buffers);
        }
    }

    /// <summary>The prediction a probability row (in the order of <see cref="Labels"/>) makes.</summary>
    public CategoryPrediction Predict(float[] probs) => CategoryPrediction.FromProbabilities(_labels, probs, _topK);

    sealed class Buffers
    {
        public readonly List<ClassifierFeaturizer.Workspace> Rows = [];
        public long[] Ids = new long[4096];
        public float[] Counts = new float[4096];
    }
}
