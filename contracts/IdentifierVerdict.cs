namespace Inference.Contracts;

/// <summary>The validator's verdict on one identifier: which kind, the value seen, valid or not, and why.</summary>
/// <param name="Kind">"gtin" or "mpn".</param>
/// <param name="Value">The identifier as extracted.</param>
/// <param name="Normalized">The identifier in canonical form (GTIN-14 digits, MPN upper-case alphanumerics), when it has one.</param>
/// <param name="Valid">Whether it passed every rule.</param>
/// <param name="Reason">A short reason, for a failure the rule that failed.</param>
/// <param name="Score">A plausibility score in [0, 1] when a model scored it.</param>
public sealed record IdentifierVerdict(string Kind, string Value, string? Normalized, bool Valid, string Reason, double? Score = null);
