using System.Text;

namespace Inference.Models.Onnx.Text;

/// <summary>Code point helpers: texts are read by <see cref="Rune"/>, a lone surrogate counting as one U+FFFD.</summary>
public static class Runes
{
    /// <summary>The code point at <paramref name="index"/> and how many UTF-16 units it takes (a lone surrogate: U+FFFD, 1).</summary>
    public static int Read(string text, int index, out int width)
    {
        Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out width);
        return rune.Value;
    }

    /// <summary>The code points of a text, lone surrogates as U+FFFD.</summary>
    public static int[] Of(string text)
    {
        var list = new List<int>(text.Length);
        for (var i = 0; i < text.Length;)
        {
            list.Add(Read(text, i, out var w));
            i += w;
        }

        return [.. list];
    }

    public static string ToString(ReadOnlySpan<int> cps)
    {
        var builder = new StringBuilder(cps.Length);
        foreach (var cp in cps) builder.Append(new Rune(cp is >= 0xD800 and <= 0xDFFF ? 0xFFFD : cp).ToString());
        return builder.ToString();
    }

    /// <summary>The text with every lone surrogate replaced by U+FFFD (so a slice of it by UTF-16 offsets is what Python's slice gives).</summary>
    public static string Clean(string text)
    {
        var i = 0;
        for (; i < text.Length; i++)
        {
            if (char.IsSurrogate(text[i])) break;
        }

        if (i == text.Length) return text;
        var chars = text.ToCharArray();
        for (; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) i++;
            else if (char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
        }

        return new string(chars);
    }
}
