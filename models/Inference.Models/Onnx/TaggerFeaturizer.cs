using System.Text.Json.Nodes;
using Inference.Models.Identifiers;
using Inference.Models.Onnx.Text;

namespace Inference.Models.Onnx;

/// <summary>
/// The extractors' input for one text: one row per token, one hashed feature per slot in the manifest's slot order (0 = none):
/// word, shape, prefixes, suffixes, length, index, line, brand gazetteer, GS1 number, chunk shape, chunk position, attribute gazetteer.
/// </summary>
public sealed class TaggerFeaturizer
{
    static readonly HashSet<string> KnownSlots = ["w", "s", "p2", "p3", "x2", "x3", "x4", "l", "i", "t", "g", "k", "cs", "cp", "a"];

    readonly Tokenizer _tokenizer;
    readonly Slot[] _slots;
    readonly int _chunkShapeMax;
    readonly int _lengthCap;
    readonly int _indexCap;
    readonly long[] _lengthIds;
    readonly long[] _indexIds;
    readonly long[] _lineIds;
    readonly long _brandB, _brandI;
    readonly Dictionary<int, long> _gs1Ids = [];
    readonly long[] _chunkPositionIds; // S, B, I, E
    readonly long[] _attributeB = [], _attributeI = [];

    public TaggerFeaturizer(ModelManifest manifest, UnicodeTables tables)
    {
        _tokenizer = new Tokenizer(tables);
        Buckets = FeaturizerSpec.Buckets(manifest);
        MaxTokens = FeaturizerSpec.MaxTokens(manifest) ?? int.MaxValue;
        var featurizer = manifest.Featurizer;
        var slots = (featurizer["slots"] as JsonArray ?? throw manifest.Invalid("has no featurizer.slots")).Select(s => s!.GetValue<string>()).ToArray();
        var unknown = slots.Where(s => !KnownSlots.Contains(s)).ToArray();
        if (unknown.Length > 0) throw manifest.Invalid($"featurizer.slots has slots this code does not implement: {string.Join(", ", unknown)}");
        SlotNames = slots;
        _slots = slots.Select(Parse).ToArray();
        ShapeSlot = Array.IndexOf(slots, "s");
        if (ShapeSlot < 0) throw manifest.Invalid("featurizer.slots has no 's' slot, which marks real tokens");

        var templates = (featurizer["slot_templates"] as JsonArray ?? [])
            .ToDictionary(t => t!["slot"]!.GetValue<string>(), t => t!["feature"]!.GetValue<string>());
        string Template(string slot) => templates.TryGetValue(slot, out var t) ? t : throw manifest.Invalid($"featurizer.slot_templates has no '{slot}'");
        _chunkShapeMax = slots.Contains("cs") ? FeaturizerSpec.NumberIn(manifest, Template("cs"), @"first (\d+) code points", "the chunk shape length") : 0;
        _lengthCap = slots.Contains("l") ? FeaturizerSpec.NumberIn(manifest, Template("l"), @"min\(code points of token, (\d+)\)", "the length cap") : 0;
        _indexCap = slots.Contains("i") ? FeaturizerSpec.NumberIn(manifest, Template("i"), @"min\(token index, (\d+)\)", "the index cap") : 0;

        var gazetteers = featurizer["gazetteers"];
        var matching = manifest.Get<string>(gazetteers?["matching"], "featurizer.gazetteers.matching");
        var maxEntryTokens = FeaturizerSpec.NumberIn(manifest, matching, @"longest L \(<= (\d+)\)", "the longest gazetteer entry");
        var brandsFile = manifest.Get<string>(gazetteers?["brands"]?["file"], "featurizer.gazetteers.brands.file");
        Brands = Gazetteer.ReadLines(manifest.PathOf(brandsFile), maxEntryTokens);
        if (gazetteers?["attributes"] is JsonObject attributes)
        {
            var names = new List<string>();
            Attributes = Gazetteer.ReadTabbed(manifest.PathOf(manifest.Get<string>(attributes["file"], "featurizer.gazetteers.attributes.file")), maxEntryTokens, names);
            AttributeNames = names;
            _attributeB = names.Select(a => Fnv1a.Id($"a:{a}:B", Buckets)).ToArray();
            _attributeI = names.Select(a => Fnv1a.Id($"a:{a}:I", Buckets)).ToArray();
        }

        _lengthIds = Enumerable.Range(0, _lengthCap + 1).Select(n => Fnv1a.Id($"l:{n}", Buckets)).ToArray();
        _indexIds = Enumerable.Range(0, _indexCap + 1).Select(n => Fnv1a.Id($"i:{n}", Buckets)).ToArray();
        _lineIds = [Fnv1a.Id("t:0", Buckets), Fnv1a.Id("t:1", Buckets)];
        _brandB = Fnv1a.Id("g:B", Buckets);
        _brandI = Fnv1a.Id("g:I", Buckets);
        foreach (var n in Gtin.Lengths) _gs1Ids[n] = Fnv1a.Id($"k:{n}", Buckets);
        _chunkPositionIds = new[] { "S", "B", "I", "E" }.Select(p => Fnv1a.Id($"cp:{p}", Buckets)).ToArray();
    }

    public int Buckets { get; }

    public int MaxTokens { get; }

    public IReadOnlyList<string> SlotNames { get; }

    public int SlotCount => _slots.Length;

    /// <summary>The slot that is never 0 for a real token (padding rows have 0 there).</summary>
    public int ShapeSlot { get; }

    public Gazetteer Brands { get; }

    public Gazetteer? Attributes { get; }

    public IReadOnlyList<string> AttributeNames { get; } = [];

    public Tokenizer Tokenizer => _tokenizer;

    /// <summary>Reusable per-text state.</summary>
    public sealed class Workspace
    {
        internal int[] Brand = new int[64];
        internal int[] Attribute = new int[64];
        internal int[] Chunk = new int[64];
        internal int[] Shape = new int[256];
        internal long[] ChunkShapeIds = new long[64];
    }

    public void Tokenize(string text, TokenizedText into) => _tokenizer.Tokenize(text, MaxTokens, into);

    /// <summary>Writes <c>tokens.Count × SlotCount</c> ids into <paramref name="rows"/> (row-major).</summary>
    public void Featurize(TokenizedText tokens, Span<long> rows, Workspace work)
    {
        var n = tokens.Count;
        if (n == 0) return;
        var tables = _tokenizer.Tables;
        Grow(ref work.Brand, n);
        Grow(ref work.Attribute, n);
        Grow(ref work.Chunk, n);
        Grow(ref work.ChunkShapeIds, n);
        var brand = work.Brand.AsSpan(0, n);
        var attribute = work.Attribute.AsSpan(0, n);
        brand.Clear();
        attribute.Clear();
        var state = new MarkState(work.Brand, null, null);
        Brands.Match(tokens, ref state, Mark);
        if (Attributes is not null)
        {
            state = new MarkState(work.Attribute, _attributeB, _attributeI);
            Attributes.Match(tokens, ref state, Mark);
        }

        var firstNewline = tokens.Text.IndexOf('\n');
        var chunk = work.Chunk.AsSpan(0, n);
        for (var k = 0; k < n; k++) chunk[k] = k > 0 && tokens[k - 1].End == tokens[k].Start ? chunk[k - 1] : k;
        for (var k = 0; k < n;)
        {
            var end = k + 1;
            while (end < n && chunk[end] == k) end++;
            var raw = tokens.RawRange(k, end);
            Grow(ref work.Shape, raw.Length);
            var length = Shape.Append(tables, raw, work.Shape, 0);
            var fnv = Fnv1a.Start();
            fnv.Bytes("cs:"u8);
            fnv.CodePoints(work.Shape.AsSpan(0, Math.Min(length, _chunkShapeMax)));
            work.ChunkShapeIds[k] = fnv.Id(Buckets);
            k = end;
        }

        var slots = _slots.Length;
        for (var i = 0; i < n; i++)
        {
            var row = rows.Slice(i * slots, slots);
            var t = tokens.Lower(i);
            for (var s = 0; s < slots; s++)
            {
                var slot = _slots[s];
                row[s] = slot.Kind switch
                {
                    SlotKind.Word => Hash("w:"u8, t),
                    SlotKind.Shape => ShapeId(tables, tokens.Raw(i), work),
                    SlotKind.Prefix => Hash(slot.Prefix, t[..Math.Min(slot.Size, t.Length)]),
                    SlotKind.Suffix => Hash(slot.Prefix, t[Math.Max(0, t.Length - slot.Size)..]),
                    SlotKind.Length => _lengthIds[Math.Min(t.Length, _lengthCap)],
                    SlotKind.Index => _indexIds[Math.Min(i, _indexCap)],
                    SlotKind.Line => _lineIds[firstNewline < 0 || tokens[i].Start < firstNewline ? 0 : 1],
                    SlotKind.Brand => brand[i] switch { 1 => _brandB, 2 => _brandI, _ => 0 },
                    SlotKind.Gs1 => IsGs1Number(t) ? _gs1Ids[t.Length] : 0,
                    SlotKind.ChunkShape => work.ChunkShapeIds[chunk[i]],
                    SlotKind.ChunkPosition => _chunkPositionIds[ChunkPosition(chunk, i)],
                    SlotKind.Attribute => attribute[i],
                    _ => 0,
                };
            }
        }
    }

    long ShapeId(UnicodeTables tables, ReadOnlySpan<int> raw, Workspace work)
    {
        Grow(ref work.Shape, raw.Length);
        var length = Shape.Append(tables, raw, work.Shape, 0);
        return Hash("s:"u8, work.Shape.AsSpan(0, length));
    }

    long Hash(ReadOnlySpan<byte> prefix, ReadOnlySpan<int> cps)
    {
        var fnv = Fnv1a.Start();
        fnv.Bytes(prefix);
        fnv.CodePoints(cps);
        return fnv.Id(Buckets);
    }

    /// <summary>0 = S (alone), 1 = B, 2 = I, 3 = E.</summary>
    static int ChunkPosition(ReadOnlySpan<int> chunk, int i)
    {
        var first = i == 0 || chunk[i - 1] != chunk[i];
        var last = i == chunk.Length - 1 || chunk[i + 1] != chunk[i];
        return first && last ? 0 : first ? 1 : last ? 3 : 2;
    }

    /// <summary>8, 12, 13 or 14 ASCII digits whose last is the GS1 check digit.</summary>
    public static bool IsGs1Number(ReadOnlySpan<int> t)
    {
        if (Array.IndexOf(Gtin.Lengths, t.Length) < 0) return false;
        foreach (var c in t)
        {
            if (c is < '0' or > '9') return false;
        }

        var sum = 0;
        var weight = 3;
        for (var k = t.Length - 2; k >= 0; k--)
        {
            sum += (t[k] - '0') * weight;
            weight = 4 - weight;
        }

        return (10 - sum % 10) % 10 == t[^1] - '0';
    }

    readonly record struct MarkState(int[] Marks, long[]? BIds, long[]? IIds);

    /// <summary>Brands: 1 = B, 2 = I. Attributes: the hashed <c>a:&lt;attribute&gt;:B/I</c> id.</summary>
    static void Mark(ref MarkState state, int first, int length, int value)
    {
        if (state.BIds is null)
        {
            state.Marks[first] = 1;
            for (var k = first + 1; k < first + length; k++) state.Marks[k] = 2;
            return;
        }

        // attribute ids are stored in an int[] only while they fit; buckets ≤ 2^31 so they always do
        state.Marks[first] = (int)state.BIds[value];
        for (var k = first + 1; k < first + length; k++) state.Marks[k] = (int)state.IIds![value];
    }

    static void Grow<T>(ref T[] array, int size)
    {
        if (array.Length < size) array = new T[Math.Max(size, array.Length * 2)];
    }

    enum SlotKind { Word, Shape, Prefix, Suffix, Length, Index, Line, Brand, Gs1, ChunkShape, ChunkPosition, Attribute }

    sealed record Slot(SlotKind Kind, byte[] Prefix, int Size);

    static Slot Parse(string name) => name switch
    {
        "w" => new(SlotKind.Word, [], 0),
        "s" => new(SlotKind.Shape, [], 0),
        "p2" or "p3" => new(SlotKind.Prefix, System.Text.Encoding.ASCII.GetBytes(name + ":"), name[1] - '0'),
        "x2" or "x3" or "x4" => new(SlotKind.Suffix, System.Text.Encoding.ASCII.GetBytes(name + ":"), name[1] - '0'),
        "l" => new(SlotKind.Length, [], 0),
        "i" => new(SlotKind.Index, [], 0),
        "t" => new(SlotKind.Line, [], 0),
        "g" => new(SlotKind.Brand, [], 0),
        "k" => new(SlotKind.Gs1, [], 0),
        "cs" => new(SlotKind.ChunkShape, [], 0),
        "cp" => new(SlotKind.ChunkPosition, [], 0),
        "a" => new(SlotKind.Attribute, [], 0),
        _ => throw new ArgumentException(name),
    };
}
