using System.Collections.Concurrent;
using Inference.Contracts;

namespace Inference.Models.Onnx;

/// <summary>The trained MPN plausibility model: a score in [0, 1] per candidate, plausible at or above the manifest's threshold.</summary>
public sealed class OnnxMpnScorer : IMpnScorer
{
    public const string Task = "mpn-plausibility";

    readonly LoadedModel _model;
    readonly string[] _inputNames;
    readonly string[] _outputNames;
    readonly ConcurrentBag<long[]> _pool = [];

    public OnnxMpnScorer(LoadedModel model)
    {
        var manifest = model.Manifest;
        if (manifest.Task != Task) throw manifest.Invalid($"task is '{manifest.Task}', an MPN scorer needs '{Task}'");
        _model = model;
        Featurizer = new MpnFeaturizer(manifest, model.Tables);
        Threshold = manifest.Get<double>(manifest.Json["threshold"]?["value"], "threshold.value");
        if (Threshold is < 0 or > 1) throw manifest.Invalid($"threshold.value = {Threshold} is not in [0, 1]");
        if (manifest.Outputs.Count != 1 || manifest.Outputs[0].Rank != 1)
            throw manifest.Invalid($"an MPN scorer has one output [batch]; the manifest declares {string.Join(", ", manifest.Outputs)}");
        _inputNames = [OnnxRun.InputOf(manifest, "int64")];
        _outputNames = [manifest.Outputs[0].Name];
    }

    public ModelRef Model => _model.Ref;

    public double Threshold { get; }

    public MpnFeaturizer Featurizer { get; }

    public IReadOnlyList<double> Score(IReadOnlyList<MpnCandidate> candidates)
    {
        if (candidates.Count == 0) return [];
        var rows = candidates.Select(c => Featurizer.Featurize(c.Brand, c.Mpn, c.Category)).ToArray();
        var width = rows.Max(r => r.Length);
        var size = rows.Length * width;
        var buffer = _pool.TryTake(out var b) && b.Length >= size ? b : new long[Math.Max(size, 4096)];
        try
        {
            Array.Clear(buffer, 0, size);
            for (var r = 0; r < rows.Length; r++) rows[r].CopyTo(buffer, r * width);
            using var ids = OnnxRun.Tensor(buffer, size, rows.Length, width);
            using var outputs = OnnxRun.Run(_model, _inputNames, [ids], _outputNames);
            var scores = outputs[0].GetTensorDataAsSpan<float>();
            var result = new double[rows.Length];
            for (var r = 0; r < rows.Length; r++) result[r] = scores[r];
            return result;
        }
        finally
        {
            _pool.Add(buffer);
        }
    }
}
