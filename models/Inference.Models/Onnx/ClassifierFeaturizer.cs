using Inference.Models.Onnx.Text;

namespace Inference.Models.Onnx;

/// <summary>
/// The classifier's input for one text: per token <c>w:t</c>, <c>b:t u</c>, the 3/4/5-code-point grams of <c>&lt;t&gt;</c> (word tokens);
/// hashed; distinct ids in order of first occurrence with their counts. No tokens: ids [0], counts [0].
/// </summary>
public sealed class ClassifierFeaturizer
{
    static readonly string[] Templates = ["w:<token>", "b:<token> <next token>", "c3:<gram>, c4:<gram>, c5:<gram>"];
    static readonly int[] GramSizes = [3, 4, 5];
    static readonly byte[][] GramPrefixes = [[(byte)'c', (byte)'3', (byte)':'], [(byte)'c', (byte)'4', (byte)':'], [(byte)'c', (byte)'5', (byte)':']];

    readonly Tokenizer _tokenizer;

    public ClassifierFeaturizer(ModelManifest manifest, UnicodeTables tables)
    {
        FeaturizerSpec.RequireTemplates(manifest, "features", "template", Templates);
        Buckets = FeaturizerSpec.Buckets(manifest);
        MaxTokens = FeaturizerSpec.MaxTokens(manifest) ?? int.MaxValue;
        _tokenizer = new Tokenizer(tables);
    }

    public int Buckets { get; }

    public int MaxTokens { get; }

    public Tokenizer Tokenizer => _tokenizer;

    /// <summary>Reusable per-call state: tokens, the id → position map, the output lists.</summary>
    public sealed class Workspace
    {
        internal readonly TokenizedText Tokens = new();
        internal readonly Dictionary<long, int> Positions = [];
        internal int[] Grams = new int[64];
        public readonly List<long> Ids = [];
        public readonly List<float> Counts = [];
    }

    /// <summary>Fills <paramref name="work"/>.Ids and .Counts for <paramref name="text"/>.</summary>
    public void Featurize(string text, Workspace work)
    {
        var tokens = work.Tokens;
        _tokenizer.Tokenize(text, MaxTokens, tokens);
        work.Ids.Clear();
        work.Counts.Clear();
        work.Positions.Clear();
        var tables = _tokenizer.Tables;
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens.Lower(i);
            var fnv = Fnv1a.Start();
            fnv.Byte((byte)'w');
            fnv.Byte((byte)':');
            fnv.CodePoints(t);
            Add(work, fnv.Id(Buckets));
            if (i + 1 < tokens.Count)
            {
                fnv = Fnv1a.Start();
                fnv.Byte((byte)'b');
                fnv.Byte((byte)':');
                fnv.CodePoints(t);
                fnv.Byte((byte)' ');
                fnv.CodePoints(tokens.Lower(i + 1));
                Add(work, fnv.Id(Buckets));
            }

            if (!tables.IsWord(t[0])) continue;
            var length = t.Length + 2;
            if (work.Grams.Length < length) work.Grams = new int[length * 2];
            var w = work.Grams.AsSpan(0, length);
            w[0] = '<';
            t.CopyTo(w[1..]);
            w[^1] = '>';
            for (var g = 0; g < GramSizes.Length; g++)
            {
                var n = GramSizes[g];
                for (var j = 0; j + n <= length; j++)
                {
                    fnv = Fnv1a.Start();
                    fnv.Bytes(GramPrefixes[g]);
                    fnv.CodePoints(w.Slice(j, n));
                    Add(work, fnv.Id(Buckets));
                }
            }
        }

        if (work.Ids.Count == 0)
        {
            work.Ids.Add(0);
            work.Counts.Add(0);
        }
    }

    static void Add(Workspace work, long id)
    {
        if (work.Positions.TryGetValue(id, out var at))
        {
            work.Counts[at]++;
            return;
        }

        work.Positions[id] = work.Ids.Count;
        work.Ids.Add(id);
        work.Counts.Add(1);
    }
}
