using Inference.Contracts;
using Inference.Models.Identifiers;

namespace Inference.Validator;

/// <summary>Is this a GTIN of a trade item? Length, GS1 mod-10 check digit, and the GS1 prefix it falls in.</summary>
public sealed class GtinRules(Gs1PrefixTable prefixes)
{
    public IdentifierVerdict Check(string value)
    {
        var digits = Gtin.Digits(value);
        if (digits is null)
            return Verdict(value, null, false, "not a number: a GTIN has only digits");
        if (!Gtin.HasValidLength(digits))
            return Verdict(value, null, false, $"{digits.Length} digits: a GTIN has 8, 12, 13 or 14");
        var normalized = Gtin.ToGtin14(digits);
        if (!Gtin.HasValidCheckDigit(digits))
            return Verdict(value, normalized, false, $"check digit {digits[^1]} is wrong: GS1 mod-10 gives {Gtin.ExpectedCheckDigit(digits)}");
        if (normalized.All(c => c == '0'))
            return Verdict(value, normalized, false, "all zeros");

        var (valid, reason) = digits.Length == 8 ? CheckGtin8Prefix(digits) : CheckGtin13Prefix(normalized[1..]);
        return Verdict(value, normalized, valid, reason);
    }

    (bool, string) CheckGtin8Prefix(string gtin8)
    {
        // GTIN-8s starting with 0 or 2 are restricted circulation numbers (RCN-8), never trade items.
        if (gtin8[0] is '0' or '2')
            return (false, $"GTIN-8 prefix {gtin8[0]}: restricted circulation number, not a trade item");
        var found = prefixes.Lookup(gtin8);
        return found is null
            ? (false, $"GTIN-8 prefix {gtin8[..3]} is not allocated by GS1")
            : Judge(found.Value.Prefix, found.Value.Usage, gtin8: true);
    }

    (bool, string) CheckGtin13Prefix(string gtin13)
    {
        var found = prefixes.Lookup(gtin13);
        return found is null
            ? (false, $"prefix {gtin13[..3]} is not allocated by GS1")
            : Judge(found.Value.Prefix, found.Value.Usage, gtin8: false);
    }

    static (bool, string) Judge(string prefix, string usage, bool gtin8)
    {
        var reason = $"prefix {prefix}: {usage}";
        if (Contains(usage, "Restricted Circulation")) return (false, $"{reason} (restricted circulation, not a trade item)");
        if (Contains(usage, "coupon") || Contains(usage, "Refund")) return (false, $"{reason} (not a trade item)");
        if (Contains(usage, "ISBN") || Contains(usage, "ISSN")) return (false, $"{reason} (a publication number, not a trade-item GTIN)");
        if (Contains(usage, "Unused") || Contains(usage, "reserved") || Contains(usage, "future MO")) return (false, $"{reason} (not allocated)");
        if (Contains(usage, "demonstration") || Contains(usage, "General Manager")) return (false, $"{reason} (not a trade item)");
        if (!gtin8 && Contains(usage, "GTIN-8")) return (false, $"{reason} (a GTIN-8 range, not for longer GTINs)");
        return (true, reason);
    }

    static bool Contains(string usage, string word) => usage.Contains(word, StringComparison.OrdinalIgnoreCase);

    static IdentifierVerdict Verdict(string value, string? normalized, bool valid, string reason) =>
        new("gtin", value, normalized, valid, reason);
}
