using System.Globalization;
using System.Text;

namespace Inference.Cli.Eval;

/// <summary>The few Python string operations the evaluation's definitions use, by code point (<c>str.lower</c>, <c>isalnum</c>, <c>isdigit</c>, <c>split</c>, <c>strip</c>).</summary>
public static class PyText
{
    /// <summary>Python's <c>"".join(c for c in s.lower() if c.isalnum())</c>: how values are compared.</summary>
    public static string AlnumKey(string s)
    {
        var builder = new StringBuilder(s.Length);
        foreach (var rune in s.EnumerateRunes())
        {
            var lower = Rune.ToLowerInvariant(rune);
            if (IsAlnum(lower)) builder.Append(lower.ToString());
        }

        return builder.ToString();
    }

    /// <summary>Letters (L*) and numbers (N*): Python's <c>isalpha or isdecimal or isdigit or isnumeric</c>.</summary>
    public static bool IsAlnum(Rune r) => Rune.GetUnicodeCategory(r) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
        _ => false,
    };

    public static bool IsAlpha(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
        or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    /// <summary>Python's <c>isdigit</c>: decimal digits, and other digits such as superscripts (a numeric value 0-9).</summary>
    public static bool IsDigit(Rune r)
    {
        var category = Rune.GetUnicodeCategory(r);
        if (category == UnicodeCategory.DecimalDigitNumber) return true;
        if (category != UnicodeCategory.OtherNumber) return false;
        var value = Rune.GetNumericValue(r);
        return value is >= 0 and <= 9 && Math.Abs(value - Math.Round(value)) < 1e-9;
    }

    public static int DigitValue(Rune r) => (int)Rune.GetNumericValue(r);

    public static string[] CodePoints(string s) => s.EnumerateRunes().Select(r => r.ToString()).ToArray();

    public static int Length(string s) => s.EnumerateRunes().Count();

    /// <summary>Python's <c>str.split()</c>: runs of whitespace separate, none at the ends.</summary>
    public static IEnumerable<string> Split(string s, Func<int, bool> isSpace)
    {
        var start = -1;
        var i = 0;
        for (; i < s.Length;)
        {
            Rune.DecodeFromUtf16(s.AsSpan(i), out var r, out var w);
            var space = !char.IsSurrogate(s[i]) && isSpace(r.Value);
            if (space && start >= 0)
            {
                yield return s[start..i];
                start = -1;
            }
            else if (!space && start < 0)
            {
                start = i;
            }

            i += w;
        }

        if (start >= 0) yield return s[start..];
    }

    /// <summary>Python's <c>str.strip(chars)</c>.</summary>
    public static string Strip(string s, string chars)
    {
        var from = 0;
        var to = s.Length;
        while (from < to && chars.Contains(s[from])) from++;
        while (to > from && chars.Contains(s[to - 1])) to--;
        return s[from..to];
    }

    /// <summary>Python's <c>round(x, 4)</c> (the figures are rounded before they are averaged, as Python does).</summary>
    public static double Round4(double x) => Math.Round(x, 4, MidpointRounding.ToEven);
}
