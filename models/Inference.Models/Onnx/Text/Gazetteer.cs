using System.Text;

namespace Inference.Models.Onnx.Text;

/// <summary>
/// Token sequences to find in a text (a model's <c>brands.txt</c>, <c>attribute_values.tsv</c>): greedy leftmost-longest matching of
/// at most <see cref="MaxTokens"/> token texts joined by one space.
/// </summary>
public sealed class Gazetteer
{
    /// <summary>Entry key → its value index, or -1 for a key that only begins longer entries.</summary>
    readonly Dictionary<string, int> _keys = new(StringComparer.Ordinal);
    readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public Gazetteer(IEnumerable<(string Entry, int Value)> entries, int maxTokens)
    {
        MaxTokens = maxTokens;
        foreach (var (entry, value) in entries)
        {
            _keys[entry] = value;
            for (var k = entry.IndexOf(' '); k >= 0; k = entry.IndexOf(' ', k + 1))
                _keys.TryAdd(entry[..k], -1);
        }

        _lookup = _keys.GetAlternateLookup<ReadOnlySpan<char>>();
        Count = _keys.Values.Count(v => v >= 0);
    }

    public int MaxTokens { get; }

    public int Count { get; }

    /// <summary><c>brands.txt</c>: one entry per line.</summary>
    public static Gazetteer ReadLines(string path, int maxTokens) =>
        new(File.ReadAllText(path, Encoding.UTF8).Split('\n').Where(l => l.Trim().Length > 0).Select(l => (l.TrimEnd('\r'), 0)), maxTokens);

    /// <summary><c>attribute_values.tsv</c>: <c>attribute TAB entry</c>; values index <paramref name="attributes"/>, which the names are added to.</summary>
    public static Gazetteer ReadTabbed(string path, int maxTokens, List<string> attributes)
    {
        var entries = new List<(string, int)>();
        foreach (var line in File.ReadAllText(path, Encoding.UTF8).Split('\n'))
        {
            if (line.Trim().Length == 0) continue;
            var tab = line.IndexOf('\t');
            if (tab < 0) throw new FormatException($"{path}: a line without a TAB: '{line}'");
            var attribute = line[..tab];
            var index = attributes.IndexOf(attribute);
            if (index < 0)
            {
                index = attributes.Count;
                attributes.Add(attribute);
            }

            entries.Add((line[(tab + 1)..].TrimEnd('\r'), index));
        }

        return new Gazetteer(entries, maxTokens);
    }

    /// <summary>The value of the entry that is exactly the token texts <c>[from, to)</c> joined by one space, or -1 when none is.</summary>
    public int ValueOf(TokenizedText text, int from, int to)
    {
        if (to <= from || to - from > MaxTokens) return -1;
        var key = new System.Text.StringBuilder();
        for (var t = from; t < to; t++)
        {
            if (t > from) key.Append(' ');
            foreach (var cp in text.Lower(t)) key.Append(new Rune(cp).ToString());
        }

        return _keys.TryGetValue(key.ToString(), out var value) ? value : -1;
    }

    /// <summary>Calls <paramref name="found"/>(first token, token count, value) for each match, left to right.</summary>
    public void Match<TState>(TokenizedText text, ref TState state, MatchAction<TState> found)
    {
        var n = text.Count;
        if (n == 0 || Count == 0) return;
        Span<char> buffer = stackalloc char[256];
        char[]? rented = null;
        for (var i = 0; i < n;)
        {
            var bestLength = 0;
            var bestValue = 0;
            var length = 0;
            for (var L = 1; L <= MaxTokens && i + L <= n; L++)
            {
                var lower = text.Lower(i + L - 1);
                if (length + 1 + lower.Length * 2 > buffer.Length)
                {
                    var bigger = new char[Math.Max(buffer.Length * 2, length + 1 + lower.Length * 2)];
                    buffer[..length].CopyTo(bigger);
                    rented = bigger;
                    buffer = bigger;
                }

                if (L > 1) buffer[length++] = ' ';
                foreach (var cp in lower) length += new Rune(cp).EncodeToUtf16(buffer[length..]);
                if (!_lookup.TryGetValue(buffer[..length], out var value)) break;
                if (value >= 0)
                {
                    bestLength = L;
                    bestValue = value;
                }
            }

            if (bestLength > 0)
            {
                found(ref state, i, bestLength, bestValue);
                i += bestLength;
            }
            else
            {
                i++;
            }
        }

        GC.KeepAlive(rented);
    }

    public delegate void MatchAction<TState>(ref TState state, int first, int length, int value);
}
