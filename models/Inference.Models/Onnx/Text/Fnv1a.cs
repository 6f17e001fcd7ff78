using System.Text;

namespace Inference.Models.Onnx.Text;

/// <summary>32-bit FNV-1a over the UTF-8 bytes of a feature string, fed piece by piece so no string is built.</summary>
public struct Fnv1a
{
    public const uint OffsetBasis = 2166136261;
    public const uint Prime = 16777619;

    uint _hash;

    public static Fnv1a Start() => new() { _hash = OffsetBasis };

    public readonly uint Hash => _hash;

    public void Byte(byte b)
    {
        _hash ^= b;
        _hash *= Prime;
    }

    /// <summary>ASCII (or any UTF-8) bytes, e.g. a feature's prefix <c>"w:"u8</c>.</summary>
    public void Bytes(ReadOnlySpan<byte> utf8)
    {
        foreach (var b in utf8) Byte(b);
    }

    /// <summary>One code point, as UTF-8 (U+FFFD for anything that is not a scalar value).</summary>
    public void CodePoint(int cp)
    {
        if (cp < 0x80)
        {
            Byte((byte)cp);
        }
        else if (cp < 0x800)
        {
            Byte((byte)(0xC0 | (cp >> 6)));
            Byte((byte)(0x80 | (cp & 0x3F)));
        }
        else if (cp < 0x10000)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) cp = 0xFFFD;
            Byte((byte)(0xE0 | (cp >> 12)));
            Byte((byte)(0x80 | ((cp >> 6) & 0x3F)));
            Byte((byte)(0x80 | (cp & 0x3F)));
        }
        else
        {
            Byte((byte)(0xF0 | (cp >> 18)));
            Byte((byte)(0x80 | ((cp >> 12) & 0x3F)));
            Byte((byte)(0x80 | ((cp >> 6) & 0x3F)));
            Byte((byte)(0x80 | (cp & 0x3F)));
        }
    }

    public void CodePoints(ReadOnlySpan<int> cps)
    {
        foreach (var cp in cps) CodePoint(cp);
    }

    /// <summary>A non-negative number in decimal, as <c>"%d"</c> writes it.</summary>
    public void Number(int n)
    {
        Span<byte> digits = stackalloc byte[11];
        var k = digits.Length;
        do
        {
            digits[--k] = (byte)('0' + n % 10);
            n /= 10;
        } while (n > 0);

        Bytes(digits[k..]);
    }

    /// <summary>The feature id: 1 + hash mod buckets (0 is padding).</summary>
    public readonly long Id(int buckets) => 1 + _hash % (uint)buckets;

    /// <summary>The id of a whole feature string (tests, and features built as strings).</summary>
    public static long Id(string feature, int buckets)
    {
        var fnv = Start();
        fnv.Bytes(Encoding.UTF8.GetBytes(feature));
        return fnv.Id(buckets);
    }
}
