using Inference.Contracts;
using Inference.Models;

namespace Inference.Validator;

/// <summary>Judges a product's identifiers: GTIN by GS1's rules; MPN by shape rules and, when a model is loaded, its plausibility score.</summary>
public sealed class IdentifierValidator(GtinRules gtinRules, MpnRules mpnRules, IMpnScorer? mpnScorer = null)
{
    public static readonly ModelRef Baseline = new("baseline-validator", "1.0.0");

    public ModelRef Model => mpnScorer?.Model ?? Baseline;

    public IReadOnlyList<IdentifierVerdict> Validate(ValidateIdentifiers request)
    {
        var verdicts = new List<IdentifierVerdict>(2);
        if (!string.IsNullOrWhiteSpace(request.Gtin))
            verdicts.Add(gtinRules.Check(request.Gtin));
        if (!string.IsNullOrWhiteSpace(request.Mpn))
            verdicts.Add(CheckMpn(request));
        return verdicts;
    }

    IdentifierVerdict CheckMpn(ValidateIdentifiers request)
    {
        var byRules = mpnRules.Check(request.Mpn!, request.Brand);
        if (mpnScorer is null || !byRules.Valid) return byRules;

        var score = mpnScorer.Score([new MpnCandidate(request.Brand, request.Mpn!, request.Category)])[0];
        return score >= mpnScorer.Threshold
            ? byRules with { Score = score, Reason = $"plausible part number (score {score:0.00} ≥ {mpnScorer.Threshold:0.00})" }
            : byRules with { Score = score, Valid = false, Reason = $"implausible part number (score {score:0.00} < {mpnScorer.Threshold:0.00})" };
    }
}
