namespace Inference.Models.Onnx.Text;

/// <summary>Word shape: <c>d</c> ASCII digit, <c>X</c> cased, <c>x</c> other word character, else the code point; runs cut to 2 (<c>KTC9000us</c> → <c>XXddxx</c>).</summary>
public static class Shape
{
    /// <summary>Appends the shape of <paramref name="raw"/> to <paramref name="output"/> from <paramref name="length"/> on (so a chunk's tokens can be shaped one after another); returns the new length.</summary>
    public static int Append(UnicodeTables tables, ReadOnlySpan<int> raw, Span<int> output, int length)
    {
        foreach (var c in raw)
        {
            int k;
            if (c is >= '0' and <= '9') k = 'd';
            else if (tables.IsCased(c)) k = 'X';
            else if (tables.IsWord(c)) k = 'x';
            else k = c;
            if (length >= 2 && output[length - 1] == k && output[length - 2] == k) continue;
            output[length++] = k;
        }

        return length;
    }

    public static int[] Of(UnicodeTables tables, ReadOnlySpan<int> raw)
    {
        var output = new int[raw.Length];
        return output[..Append(tables, raw, output, 0)];
    }
}
