namespace Inference.Models.Onnx.Text;

/// <summary>A text cut into tokens, with each token's raw and lowercased code points; reused from text to text to spare allocations.</summary>
public sealed class TokenizedText
{
    Token[] _tokens = new Token[64];
    int[] _raw = new int[256];
    int[] _lower = new int[256];
    int _codePoints;

    public string Text { get; private set; } = "";

    public int Count { get; private set; }

    public ReadOnlySpan<Token> Tokens => _tokens.AsSpan(0, Count);

    public Token this[int index] => _tokens[index];

    /// <summary>The original code points of a token (lone surrogates as U+FFFD).</summary>
    public ReadOnlySpan<int> Raw(int index) => _raw.AsSpan(_tokens[index].CodePoint, _tokens[index].Length);

    /// <summary>The token text: each code point lowercased through the pinned table.</summary>
    public ReadOnlySpan<int> Lower(int index) => _lower.AsSpan(_tokens[index].CodePoint, _tokens[index].Length);

    /// <summary>The code points of tokens <c>[from, to)</c>, raw, one after another (a chunk's text).</summary>
    public ReadOnlySpan<int> RawRange(int from, int to) =>
        _raw.AsSpan(_tokens[from].CodePoint, _tokens[to - 1].CodePoint + _tokens[to - 1].Length - _tokens[from].CodePoint);

    /// <summary>The token text as a string (tests, decoding, gazetteer keys).</summary>
    public string LowerText(int index) => Runes.ToString(Lower(index));

    public string RawText(int index) => Runes.ToString(Raw(index));

    internal void Reset(string text)
    {
        Text = text;
        Count = 0;
        _codePoints = 0;
    }

    internal void Append(int raw, int lower)
    {
        if (_codePoints == _raw.Length)
        {
            Array.Resize(ref _raw, _raw.Length * 2);
            Array.Resize(ref _lower, _lower.Length * 2);
        }

        _raw[_codePoints] = raw;
        _lower[_codePoints] = lower;
        _codePoints++;
    }

    internal int CodePointCount => _codePoints;

    internal void Emit(int start, int end, int codePoint)
    {
        if (Count == _tokens.Length) Array.Resize(ref _tokens, _tokens.Length * 2);
        _tokens[Count++] = new Token(start, end, codePoint, _codePoints - codePoint);
    }
}
