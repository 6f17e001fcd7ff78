namespace Inference.Contracts;

/// <summary>Command to the <c>validate</c> queue: check the extracted MPN and GTIN.</summary>
public sealed record ValidateIdentifiers(Guid ProductId, string? Brand, string? Mpn, string? Gtin, string? Category);
