using Inference.Contracts;
using Inference.Models;

namespace Inference.Validator;

/// <summary>Judges products' identifiers: GTIN by GS1's rules; MPN by shape rules and, when a model is loaded, its plausibility score.</summary>
public sealed class IdentifierValidator(GtinRules gtinRules, MpnRules mpnRules, IMpnScorer? mpnScorer = null)
{
    public static readonly ModelRef Baseline = new("baseline-validator", "1.0.0");

    public ModelRef Model => mpnScorer?.Model ?? Baseline;

    public IReadOnlyList<IdentifierVerdict> Validate(ValidateIdentifiers request) => Validate([request])[0];

    /// <summary>Verdicts per request, in order; the MPN model scores every candidate of the batch in one call.</summary>
    public IReadOnlyList<IReadOnlyList<IdentifierVerdict>> Validate(IReadOnlyList<ValidateIdentifiers> requests)
    {
        var verdicts = requests.Select(r => new List<IdentifierVerdict>(2)).ToArray();
        var toScore = new List<(int Request, int Verdict, MpnCandidate Candidate)>();
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            if (!string.IsNullOrWhiteSpace(request.Gtin))
                verdicts[i].Add(gtinRules.Check(request.Gtin));
            if (string.IsNullOrWhiteSpace(request.Mpn)) continue;

            var byRules = mpnRules.Check(request.Mpn, request.Brand);
            verdicts[i].Add(byRules);
            if (mpnScorer is not null && byRules.Valid)
                toScore.Add((i, verdicts[i].Count - 1, new MpnCandidate(request.Brand, request.Mpn, request.Category)));
        }

        if (toScore.Count > 0) Score(toScore, verdicts);
        return verdicts;
    }

    void Score(List<(int Request, int Verdict, MpnCandidate Candidate)> toScore, List<IdentifierVerdict>[] verdicts)
    {
        var scores = mpnScorer!.Score(toScore.Select(s => s.Candidate).ToArray());
        var threshold = mpnScorer.Threshold;
        for (var k = 0; k < toScore.Count; k++)
        {
            var (request, index, _) = toScore[k];
            var score = scores[k];
            var verdict = verdicts[request][index];
            verdicts[request][index] = score >= threshold
                ? verdict with { Score = score, Reason = $"plausible part number (score {score:0.00} ≥ {threshold:0.00})" }
                : verdict with { Score = score, Valid = false, Reason = $"implausible part number (score {score:0.00} < {threshold:0.00})" };
        }
    }
}
