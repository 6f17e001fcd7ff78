using Inference.Contracts;

namespace Inference.Models;

/// <summary>Scores how plausible a string is as a manufacturer part number of that brand, a batch at a time.</summary>
public interface IMpnScorer
{
    ModelRef Model { get; }

    /// <summary>Scores at or above this count as plausible (chosen on validation data).</summary>
    double Threshold { get; }

    /// <summary>One score in [0, 1] per candidate, in order.</summary>
    IReadOnlyList<double> Score(IReadOnlyList<MpnCandidate> candidates);
}

/// <summary>A part number to judge, with the brand and category it came with.</summary>
public sealed record MpnCandidate(string? Brand, string Mpn, string? Category);
