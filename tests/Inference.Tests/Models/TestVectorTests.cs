using System.Text.Json;
using Inference.Models;
using Inference.Models.Onnx;
using Inference.Models.Onnx.Text;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Tests.Models;

/// <summary>Every line of every model's testvectors.jsonl: the C# featurizer gives the same tokens and ONNX inputs as Python, and ONNX Runtime the same outputs.</summary>
[Category("Models")]
public sealed class TestVectorTests
{
    const double Tolerance = 1e-4;

    static IEnumerable<string> Classifiers() => Artifacts.Names.Where(n => ModelManifest.Read(Path.Combine(Artifacts.Root, n)).Task == OnnxCategoryClassifier.Task);

    static IEnumerable<string> Extractors() => Artifacts.Extractors;

    static IEnumerable<string> Scorers() => Artifacts.Names.Where(n => ModelManifest.Read(Path.Combine(Artifacts.Root, n)).Task == OnnxMpnScorer.Task);

    [TestCaseSource(nameof(Classifiers))]
    public void Classifier_features_and_outputs_match(string name)
    {
        var model = new OnnxCategoryClassifier(Artifacts.Load(name));
        var work = new ClassifierFeaturizer.Workspace();
        var lines = 0;
        foreach (var v in Artifacts.Vectors(name))
        {
            var text = v.GetProperty("text").GetString()!;
            model.Featurizer.Featurize(text, work);
            var tokens = model.Featurizer.Tokenizer.Tokenize(text, model.Featurizer.MaxTokens);
            Assert.That(Offsets(tokens), Is.EqualTo(Pairs(v.GetProperty("tokens"))), $"tokens of {Show(text)}");
            var features = v.GetProperty("features");
            Assert.That(work.Ids, Is.EqualTo(features.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToArray()), $"ids of {Show(text)}");
            Assert.That(work.Counts, Is.EqualTo(features.GetProperty("counts").EnumerateArray().Select(e => e.GetSingle()).ToArray()), $"counts of {Show(text)}");
            var probs = model.Probabilities([text])[0];
            Assert.That(probs, Is.EqualTo(Floats(v.GetProperty("outputs").GetProperty("probs"))).Within(Tolerance), $"probs of {Show(text)}");
            lines++;
        }

        Assert.That(lines, Is.GreaterThanOrEqualTo(200));
    }

    [TestCaseSource(nameof(Extractors))]
    public void Extractor_features_outputs_and_decoding_match(string name)
    {
        var loaded = Artifacts.Load(name);
        var model = new OnnxAttributeExtractor(loaded);
        var work = new TaggerFeaturizer.Workspace();
        var tokens = new TokenizedText();
        var slots = model.Featurizer.SlotCount;
        var lines = 0;
        foreach (var v in Artifacts.Vectors(name))
        {
            var text = v.GetProperty("text").GetString()!;
            model.Featurizer.Tokenize(text, tokens);
            Assert.That(Offsets(tokens), Is.EqualTo(Pairs(v.GetProperty("tokens"))), $"tokens of {Show(text)}");

            var rows = Math.Max(1, tokens.Count);
            var ids = new long[rows * slots];
            model.Featurizer.Featurize(tokens, ids, work);
            var expected = v.GetProperty("features").GetProperty("ids").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(e => e.GetInt64())).ToArray();
            Assert.That(ids, Is.EqualTo(expected), $"features of {Show(text)}");

            // ONNX Runtime on exactly the given features
            using var input = OrtValue.CreateTensorValueFromMemory(expected, [1, rows, slots]);
            using var outputs = loaded.Session.Run(new RunOptions(), [loaded.Manifest.Inputs[0].Name], [input], loaded.Manifest.Outputs.Select(o => o.Name).ToArray());
            var outputsJson = v.GetProperty("outputs");
            for (var h = 0; h < loaded.Manifest.Outputs.Count; h++)
            {
                var want = outputsJson.GetProperty(loaded.Manifest.Outputs[h].Name).EnumerateArray().SelectMany(Floats).ToArray();
                Assert.That(outputs[h].GetTensorDataAsSpan<float>().ToArray(), Is.EqualTo(want).Within(Tolerance), $"{loaded.Manifest.Outputs[h].Name} of {Show(text)}");
            }

            // the decoder on the rounded outputs as written (float64), against the Python decoding
            var spans = new List<DecodedSpan>();
            var core = outputsJson.GetProperty("core_probs").EnumerateArray().SelectMany(Doubles).ToArray();
            var attr = outputsJson.GetProperty("attr_probs").EnumerateArray().SelectMany(Doubles).ToArray();
            model.Decoder.Decode(tokens, core, model.CoreLabels, isCore: true, spans);
            if (model.AttributeLabels.Count > 1) model.Decoder.Decode(tokens, attr, model.AttributeLabels, isCore: false, spans);
            var decoded = v.GetProperty("decoded");
            Assert.That(spans.Select(s => s.Label).Order(), Is.EqualTo(decoded.EnumerateObject().Select(p => p.Name).Order()), $"labels decoded from {Show(text)}");
            foreach (var span in spans)
            {
                var want = decoded.GetProperty(span.Label);
                Assert.That(span.Value, Is.EqualTo(want.GetProperty("value").GetString()), $"{span.Label} of {Show(text)}");
                Assert.That((span.Start, span.Stop), Is.EqualTo((want.GetProperty("start").GetInt32(), want.GetProperty("end").GetInt32())), $"{span.Label} of {Show(text)}");
                Assert.That(span.Score, Is.EqualTo(want.GetProperty("score").GetDouble()).Within(1e-5), $"{span.Label} score of {Show(text)}");
            }

            lines++;
        }

        Assert.That(lines, Is.GreaterThanOrEqualTo(200));
    }

    [TestCaseSource(nameof(Extractors))]
    public void Extractor_batched_run_gives_the_single_runs_values(string name)
    {
        var model = new OnnxAttributeExtractor(Artifacts.Load(name));
        var texts = Artifacts.Vectors(name).Select(v => v.GetProperty("text").GetString()!).ToArray();
        var batched = texts.Chunk(32).SelectMany(model.Decode).ToArray();
        var differ = 0;
        for (var i = 0; i < texts.Length; i++)
        {
            var alone = model.Decode([texts[i]])[0];
            if (!alone.Select(s => (s.Label, s.Value)).Order().SequenceEqual(batched[i].Select(s => (s.Label, s.Value)).Order()))
            {
                differ++;
                TestContext.Out.WriteLine($"{Show(texts[i])}: alone {JsonSerializer.Serialize(alone)}, in a batch {JsonSerializer.Serialize(batched[i])}");
            }
        }

        // padding changes nothing but the last bits of ONNX Runtime's sums; only a near-tie (a fallback over tiny probabilities) may flip
        Assert.That(differ, Is.LessThanOrEqualTo(texts.Length / 100), "texts whose values differ between a batch and a run alone");
    }

    [TestCaseSource(nameof(Scorers))]
    public void Mpn_features_and_scores_match(string name)
    {
        var model = new OnnxMpnScorer(Artifacts.Load(name));
        var lines = 0;
        foreach (var v in Artifacts.Vectors(name))
        {
            var brand = v.GetProperty("brand").GetString();
            var candidate = v.GetProperty("candidate").GetString();
            var category = v.GetProperty("category").ValueKind == JsonValueKind.Null ? null : v.GetProperty("category").GetString();
            var what = $"({Show(brand)}, {Show(candidate)}, {Show(category)})";
            Assert.That(model.Featurizer.FeatureStrings(brand, candidate, category),
                Is.EqualTo(v.GetProperty("feature_strings").EnumerateArray().Select(e => e.GetString()).ToArray()), $"feature strings of {what}");
            Assert.That(model.Featurizer.Featurize(brand, candidate, category),
                Is.EqualTo(v.GetProperty("features").GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToArray()), $"ids of {what}");
            var score = model.Score([new MpnCandidate(brand, candidate ?? "", category)])[0];
            Assert.That(score, Is.EqualTo(v.GetProperty("outputs").GetProperty("score")[0].GetDouble()).Within(Tolerance), $"score of {what}");
            lines++;
        }

        Assert.That(lines, Is.GreaterThanOrEqualTo(200));
    }

    static int[][] Offsets(TokenizedText tokens) => tokens.Tokens.ToArray().Select(t => new[] { t.Start, t.End }).ToArray();

    static int[][] Pairs(JsonElement e) => e.EnumerateArray().Select(p => p.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToArray();

    static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    static string Show(string? text) => text is null ? "null" : JsonSerializer.Serialize(text.Length > 80 ? text[..80] + "…" : text);
}
