using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Inference.Contracts;
using Inference.Models.Onnx.Text;

namespace Inference.Models.Onnx;

/// <summary>A trained extractor: tags every token (brand, MPN, GTIN, the category's attributes) and decodes the tags to values as its manifest says.</summary>
public sealed class OnnxAttributeExtractor : IAttributeExtractor
{
    public const string Task = "token-tagging";
    const string NamePrefix = "extractor-";

    readonly LoadedModel _model;
    readonly string[] _inputNames;
    readonly string[] _outputNames;
    readonly int[] _outputWidths;
    readonly string[][] _headLabels;
    readonly bool[] _headIsCore;
    readonly ConcurrentBag<Buffers> _pool = [];

    /// <param name="rules">the post-processing rules run after the decoder (all by default; <see cref="ExtractionRule.None"/> gives the decoder's spans alone)</param>
    /// <param name="mpnMinimumScore">an MPN span scoring below this is dropped: the extractor answers "no MPN" (0 keeps every one)</param>
    public OnnxAttributeExtractor(LoadedModel model, ExtractionRule rules = ExtractionRule.All, double mpnMinimumScore = 0)
    {
        MpnMinimumScore = mpnMinimumScore;
        var manifest = model.Manifest;
        if (manifest.Task != Task) throw manifest.Invalid($"task is '{manifest.Task}', an extractor needs '{Task}'");
        _model = model;
        Featurizer = new TaggerFeaturizer(manifest, model.Tables);
        Decoder = new TagDecoder(manifest, model.Tables);
        var labels = manifest.Json["labels"] ?? throw manifest.Invalid("has no 'labels'");
        CoreLabels = Strings(manifest, labels["core"], "labels.core");
        AttributeLabels = Strings(manifest, labels["attr"], "labels.attr");
        AttributeNames = Strings(manifest, labels["attributes"], "labels.attributes");
        if (manifest.Inputs.Count != 1 || manifest.Inputs[0].Rank != 3 || manifest.Inputs[0].Fixed(2) != Featurizer.SlotCount)
            throw manifest.Invalid($"an extractor has one input [batch, tokens, {Featurizer.SlotCount}] (one column per slot); the manifest declares {string.Join(", ", manifest.Inputs)}");
        _inputNames = [manifest.Inputs[0].Name];
        Rules = new ExtractionRules(model.Tables, Decoder, AttributeNames, Featurizer.Attributes, Featurizer.AttributeNames, rules);

        // outputs name the label list they are over ("labels.core", "labels.attr")
        var outputs = manifest.Json["outputs"]!.AsArray();
        _outputNames = manifest.Outputs.Select(o => o.Name).ToArray();
        _headLabels = outputs.Select(o => (o?["labels"]?.GetValue<string>()) switch
        {
            "labels.core" => CoreLabels,
            "labels.attr" => AttributeLabels,
            var other => throw manifest.Invalid($"output '{o?["name"]}' is over '{other}', which is not labels.core or labels.attr"),
        }).Select(l => l.ToArray()).ToArray();
        _outputWidths = _headLabels.Select(l => l.Length).ToArray();
        _headIsCore = outputs.Select(o => o?["labels"]?.GetValue<string>() == "labels.core").ToArray();
        for (var h = 0; h < _outputNames.Length; h++)
        {
            if (manifest.Outputs[h].Rank != 3 || manifest.Outputs[h].Fixed(2) != _outputWidths[h])
                throw manifest.Invalid($"output {manifest.Outputs[h]} should be [batch, tokens, {_outputWidths[h]}]");
        }

        var names = new List<string>();
        if (manifest.Name.StartsWith(NamePrefix, StringComparison.Ordinal)) names.Add(manifest.Name[NamePrefix.Length..]);
        if (manifest.Json["serves_categories"] is JsonArray served) names.AddRange(served.Select(s => s!.GetValue<string>()));
        Serves = names.Distinct().ToArray();
        if (Serves.Count == 0) throw manifest.Invalid($"names no extractor it serves (a name 'extractor-<name>' or serves_categories)");
    }

    public ModelRef Model => _model.Ref;

    /// <summary>The extractor names (queue suffixes) this model serves, from its manifest.</summary>
    public IReadOnlyList<string> Serves { get; }

    /// <summary>The categories it is meant for; empty for the catch-all extractor.</summary>
    public IReadOnlyList<string> ServesCategories =>
        _model.Manifest.Json["serves_categories"] is JsonArray a ? a.Select(s => s!.GetValue<string>()).ToArray() : [];

    public IReadOnlyList<string> CoreLabels { get; }

    public IReadOnlyList<string> AttributeLabels { get; }

    public IReadOnlyList<string> AttributeNames { get; }

    public TaggerFeaturizer Featurizer { get; }

    public TagDecoder Decoder { get; }

    /// <summary>What runs after the decoder, on every text.</summary>
    public ExtractionRules Rules { get; }

    /// <summary>The score below which a decoded MPN is dropped (<c>Models:MpnMinimumScore</c>).</summary>
    public double MpnMinimumScore { get; }

    static string[] Strings(ModelManifest manifest, JsonNode? node, string what) =>
        node is JsonArray array ? array.Select(s => s!.GetValue<string>()).ToArray() : throw manifest.Invalid($"has no '{what}'");

    public IReadOnlyList<Extraction> Extract(IReadOnlyList<string> texts) =>
        Decode(texts).Select(ToExtraction).ToArray();

    /// <summary>Every span per text (label, tokens, offsets, value, score): the decoder's, then the <see cref="Rules"/>.</summary>
    public IReadOnlyList<DecodedSpan>[] Decode(IReadOnlyList<string> texts)
    {
        var result = new IReadOnlyList<DecodedSpan>[texts.Count];
        if (texts.Count == 0) return result;
        var buffers = _pool.TryTake(out var b) ? b : new Buffers();
        try
        {
            while (buffers.Texts.Count < texts.Count) buffers.Texts.Add(new TokenizedText());
            var order = new int[texts.Count];
            for (var r = 0; r < texts.Count; r++)
            {
                Featurizer.Tokenize(texts[r] ?? "", buffers.Texts[r]);
                order[r] = r;
            }

            // a batch pays for its longest text: run texts of similar length together
            Array.Sort(order, (x, y) => buffers.Texts[x].Count.CompareTo(buffers.Texts[y].Count));
            for (var from = 0; from < order.Length;)
            {
                var first = Math.Max(1, buffers.Texts[order[from]].Count);
                var to = from + 1;
                while (to < order.Length && buffers.Texts[order[to]].Count <= first * 2 + 16) to++;
                Run(order.AsSpan(from, to - from), buffers, result);
                from = to;
            }

            if (MpnMinimumScore > 0)
            {
                for (var r = 0; r < result.Length; r++)
                    if (result[r].Any(x => x.Label == "MPN" && x.Score < MpnMinimumScore))
                        result[r] = result[r].Where(x => x.Label != "MPN" || x.Score >= MpnMinimumScore).ToArray();
            }

            return result;
        }
        finally
        {
            _pool.Add(buffers);
        }
    }

    void Run(ReadOnlySpan<int> rows, Buffers buffers, IReadOnlyList<DecodedSpan>[] result)
    {
        var slots = Featurizer.SlotCount;
        var tokens = 1;
        foreach (var r in rows) tokens = Math.Max(tokens, buffers.Texts[r].Count);
        var size = rows.Length * tokens * slots;
        if (buffers.Ids.Length < size) buffers.Ids = new long[size * 2];
        Array.Clear(buffers.Ids, 0, size);
        for (var k = 0; k < rows.Length; k++)
            Featurizer.Featurize(buffers.Texts[rows[k]], buffers.Ids.AsSpan(k * tokens * slots, tokens * slots), buffers.Work);

        using var ids = OnnxRun.Tensor(buffers.Ids, size, rows.Length, tokens, slots);
        using var outputs = OnnxRun.Run(_model, _inputNames, [ids], _outputNames);
        for (var k = 0; k < rows.Length; k++)
        {
            var text = buffers.Texts[rows[k]];
            var spans = new List<DecodedSpan>();
            for (var h = 0; h < _outputNames.Length; h++)
            {
                var labels = _headLabels[h];
                if (labels.Length <= 1) continue; // a head with only "O" has nothing to decode
                var width = _outputWidths[h];
                var n = text.Count;
                var probs = outputs[h].GetTensorDataAsSpan<float>().Slice(k * tokens * width, n * width);
                if (buffers.Probs.Length < probs.Length) buffers.Probs = new double[probs.Length * 2];
                for (var q = 0; q < probs.Length; q++) buffers.Probs[q] = probs[q];
                Decoder.Decode(text, buffers.Probs.AsSpan(0, probs.Length), labels, _headIsCore[h], spans);
            }

            Rules.Apply(text, spans);

            result[rows[k]] = spans;
        }
    }

    /// <summary>BRAND, MPN and GTIN go to their fields; every other label is an attribute.</summary>
    public static Extraction ToExtraction(IReadOnlyList<DecodedSpan> spans)
    {
        if (spans.Count == 0) return Extraction.Empty;
        string? brand = null, mpn = null, gtin = null;
        var attributes = new Dictionary<string, string>();
        foreach (var span in spans)
        {
            switch (span.Label)
            {
                case "BRAND": brand = span.Value; break;
                case "MPN": mpn = span.Value; break;
                case "GTIN": gtin = span.Value; break;
                default: attributes[span.Label] = span.Value; break;
            }
        }

        return new Extraction(brand, mpn, gtin, attributes);
    }

    sealed class Buffers
    {
        public readonly List<TokenizedText> Texts = [];
        public readonly TaggerFeaturizer.Workspace Work = new();
        public long[] Ids = new long[32 * 64 * 15];
        public double[] Probs = new double[256 * 8];
    }
}
