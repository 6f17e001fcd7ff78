using System.Text.Json;

namespace Inference.Models.Onnx.Text;

/// <summary>The Unicode behaviour the models were trained with (word characters, whitespace, lowercase), pinned by a model's <c>unicode_tables.json</c>.</summary>
public sealed class UnicodeTables
{
    const int CodePoints = 0x110000;
    readonly ulong[] _word = new ulong[CodePoints / 64];
    readonly ulong[] _space = new ulong[CodePoints / 64];
    readonly int[] _lowerBmp = new int[0x10000];
    readonly Dictionary<int, int> _lowerAstral = [];

    UnicodeTables(string version) => Version = version;

    /// <summary>The Unicode version of the tables (Python's <c>unicodedata</c>).</summary>
    public string Version { get; }

    public static UnicodeTables Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var json = JsonDocument.Parse(stream);
        var root = json.RootElement;
        var tables = new UnicodeTables(root.TryGetProperty("unicode_version", out var v) ? v.GetString() ?? "" : "");
        for (var i = 0; i < tables._lowerBmp.Length; i++) tables._lowerBmp[i] = i;
        foreach (var range in root.GetProperty("word_ranges").EnumerateArray())
        {
            var (from, to) = (range[0].GetInt32(), range[1].GetInt32());
            for (var cp = from; cp <= to; cp++) Set(tables._word, cp);
        }

        foreach (var space in root.GetProperty("spaces").EnumerateArray()) Set(tables._space, space.GetInt32());
        foreach (var pair in root.GetProperty("lowercase").EnumerateArray())
        {
            var (cp, lower) = (pair[0].GetInt32(), pair[1].GetInt32());
            if (cp < 0x10000) tables._lowerBmp[cp] = lower;
            else tables._lowerAstral[cp] = lower;
        }

        return tables;
    }

    static void Set(ulong[] bits, int cp) => bits[cp >> 6] |= 1UL << (cp & 63);

    /// <summary>General categories L*, M*, Nd.</summary>
    public bool IsWord(int cp) => (_word[cp >> 6] & (1UL << (cp & 63))) != 0;

    /// <summary>Python's <c>str.isspace</c>.</summary>
    public bool IsSpace(int cp) => (_space[cp >> 6] & (1UL << (cp & 63))) != 0;

    /// <summary>The single-code-point lowercase of <paramref name="cp"/>, or itself.</summary>
    public int Lower(int cp) => cp < 0x10000 ? _lowerBmp[cp] : _lowerAstral.GetValueOrDefault(cp, cp);

    /// <summary>Has a lowercase mapping other than itself (an upper- or titlecase letter, for the case split and the shape).</summary>
    public bool IsCased(int cp) => Lower(cp) != cp;
}
