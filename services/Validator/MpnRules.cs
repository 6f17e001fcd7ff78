using System.Text.RegularExpressions;
using Inference.Contracts;

namespace Inference.Validator;

/// <summary>Baseline MPN plausibility: shape rules a manufacturer part number keeps.</summary>
public sealed partial class MpnRules
{
    public const int MinLength = 3;
    public const int MaxLength = 40;

    public IdentifierVerdict Check(string value, string? brand)
    {
        var normalized = Normalize(value);
        if (normalized.Length == 0) return Verdict(value, null, false, "no letters or digits");
        if (normalized.Length < MinLength) return Verdict(value, normalized, false, $"{normalized.Length} characters: too short for a part number");
        if (normalized.Length > MaxLength) return Verdict(value, normalized, false, $"{normalized.Length} characters: too long for a part number");
        if (value.Contains(',') || value.Contains(';'))
            return Verdict(value, normalized, false, "several part numbers in one field");
        if (UnexpectedCharacter().Match(value) is { Success: true } odd)
            return Verdict(value, normalized, false, $"'{odd.Value}' does not belong in a part number");
        if (brand is not null && normalized == Normalize(brand))
            return Verdict(value, normalized, false, "the brand, not a part number");
        if (Measure().IsMatch(value.Trim()))
            return Verdict(value, normalized, false, "a measure (size, speed, capacity), not a part number");
        if (!normalized.Any(char.IsAsciiDigit) && value.Trim().Contains(' '))
            return Verdict(value, normalized, false, "words without a digit, not a part number");
        return Verdict(value, normalized, true, "shape of a part number");
    }

    /// <summary>Upper-case ASCII letters and digits: how part numbers are compared.</summary>
    public static string Normalize(string value) =>
        string.Concat(value.Where(char.IsAsciiLetterOrDigit).Select(char.ToUpperInvariant));

    static IdentifierVerdict Verdict(string value, string? normalized, bool valid, string reason) =>
        new("mpn", value, normalized, valid, reason);

    [GeneratedRegex(@"[^A-Za-z0-9 \-./_#+()]")]
    private static partial Regex UnexpectedCharacter();

    [GeneratedRegex(@"^\d+(\.\d+)?\s?(gb|tb|mb|ghz|mhz|rpm|mm|cm|in|inch|ft|w|v|mah|oz|lb|lbs|pack|pk|ct|mp)$", RegexOptions.IgnoreCase)]
    private static partial Regex Measure();
}
