using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Inference.Models;
using Inference.Models.Onnx;
using Inference.Models.Onnx.Text;

namespace Inference.Benchmarks;

/// <summary>
/// The models' hot paths on one thread, at the pipeline's batch of 32 real texts (the first 32 evaluation records): each
/// featurizer alone, and one whole ONNX batch per model (featurize, run, decode).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class ModelBenchmarks
{
    OnnxCategoryClassifier _classifier = null!;
    OnnxAttributeExtractor _extractor = null!;
    OnnxMpnScorer _scorer = null!;
    OnnxDeepCategoryClassifier _deep = null!;
    string[] _texts = [];
    string[] _deepTexts = [];
    MpnCandidate[] _candidates = [];
    readonly ClassifierFeaturizer.Workspace _classifierWork = new();
    readonly TaggerFeaturizer.Workspace _taggerWork = new();
    readonly TokenizedText _tokens = new();
    long[] _rows = new long[256 * 32];

    [GlobalSetup]
    public void Setup()
    {
        var options = new ModelOptions { Directory = Path.Combine(AppContext.BaseDirectory, "models") };
        _classifier = OnnxModels.Classifier(options);
        _extractor = OnnxModels.AllExtractors(options)["computers-accessories"];
        _scorer = OnnxModels.MpnScorer(options);
        var root = Inference.Loopback.SolutionLayout.FindRoot(AppContext.BaseDirectory);
        _texts = File.ReadLines(Path.Combine(root, "models", "eval", "folds89.jsonl")).Take(32)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!).ToArray();
        // the deep path's own traffic: the first 32 evaluation texts the fast classifier is unsure of (below the gate)
        _deep = OnnxModels.DeepClassifier(options);
        _deepTexts = File.ReadLines(Path.Combine(root, "models", "eval", "folds89.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!)
            .Chunk(256).SelectMany(chunk => chunk.Zip(_classifier.Classify(chunk)).Where(p => p.Second.Confidence < _deep.Gate).Select(p => p.First))
            .Take(32).ToArray();
        _candidates = _texts.Select(t => new MpnCandidate("acme", t.Split(' ')[^1], "computers-accessories")).ToArray();
    }

    [Benchmark(Description = "classifier featurizer, 32 texts")]
    public int ClassifierFeaturizer()
    {
        var ids = 0;
        foreach (var text in _texts)
        {
            _classifier.Featurizer.Featurize(text, _classifierWork);
            ids += _classifierWork.Ids.Count;
        }

        return ids;
    }

    [Benchmark(Description = "extractor featurizer, 32 texts")]
    public int ExtractorFeaturizer()
    {
        var tokens = 0;
        foreach (var text in _texts)
        {
            _extractor.Featurizer.Tokenize(text, _tokens);
            var size = _tokens.Count * _extractor.Featurizer.SlotCount;
            if (_rows.Length < size) _rows = new long[size];
            _extractor.Featurizer.Featurize(_tokens, _rows.AsSpan(0, size), _taggerWork);
            tokens += _tokens.Count;
        }

        return tokens;
    }

    [Benchmark(Description = "classifier, one ONNX batch of 32")]
    public IReadOnlyList<CategoryPrediction> Classify() => _classifier.Classify(_texts);

    [Benchmark(Description = "extractor (computers-accessories), one ONNX batch of 32")]
    public IReadOnlyList<Extraction> Extract() => _extractor.Extract(_texts);

    [Benchmark(Description = "classifier-deep, one batch of 32 deep-path texts (fast probabilities, WordPiece, int8 encoder, head)")]
    public IReadOnlyList<CategoryPrediction> ClassifyDeep() => _deep.Classify(_deepTexts);

    [Benchmark(Description = "mpn-plausibility, one ONNX batch of 32")]
    public IReadOnlyList<double> ScoreMpns() => _scorer.Score(_candidates);
}
