namespace Inference.Models.Identifiers;

/// <summary>GTIN-8/12/13/14 shape and GS1 mod-10 check digit.</summary>
public static class Gtin
{
    public static readonly int[] Lengths = [8, 12, 13, 14];

    /// <summary>The digits of a GTIN as written (spaces and hyphens dropped), or null when anything else is in it.</summary>
    public static string? Digits(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        Span<char> buffer = stackalloc char[Math.Min(value.Length, 64)];
        var n = 0;
        foreach (var c in value)
        {
            if (c is ' ' or '-') continue;
            if (!char.IsAsciiDigit(c) || n == buffer.Length) return null;
            buffer[n++] = c;
        }

        return n == 0 ? null : new string(buffer[..n]);
    }

    public static bool HasValidLength(string digits) => Array.IndexOf(Lengths, digits.Length) >= 0;

    /// <summary>The check digit the other digits call for: weights 3,1,3,... from the right, excluding the check digit.</summary>
    public static int ExpectedCheckDigit(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        var weight = 3;
        for (var i = digits.Length - 2; i >= 0; i--)
        {
            sum += (digits[i] - '0') * weight;
            weight = 4 - weight;
        }

        return (10 - sum % 10) % 10;
    }

    public static bool HasValidCheckDigit(string digits) => HasValidCheckDigit(digits.AsSpan());

    public static bool HasValidCheckDigit(ReadOnlySpan<char> digits) =>
        digits.Length >= 2 && !digits.ContainsAnyExceptInRange('0', '9') && digits[^1] - '0' == ExpectedCheckDigit(digits);

    /// <summary>
    /// The first run of ASCII digits in <paramref name="text"/> (not touching another digit; letters or punctuation around it are fine) whose
    /// length is one of <paramref name="lengths"/>, whose GS1 check digit holds and which is not all zeros; UTF-16 <c>[Start, Stop)</c>.
    /// </summary>
    public static (int Start, int Stop)? FirstInText(string text, ReadOnlySpan<int> lengths)
    {
        for (var i = 0; i < text.Length;)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                i++;
                continue;
            }

            var j = i + 1;
            while (j < text.Length && char.IsAsciiDigit(text[j])) j++;
            var run = text.AsSpan(i, j - i);
            if (lengths.Contains(run.Length) && run.ContainsAnyExcept('0') && HasValidCheckDigit(run)) return (i, j);
            i = j;
        }

        return null;
    }

    /// <summary>Left-padded to 14 digits, the form GS1 compares GTINs in.</summary>
    public static string ToGtin14(string digits) => digits.PadLeft(14, '0');
}
