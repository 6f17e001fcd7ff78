using System.Text.RegularExpressions;
using Inference.Contracts;
using Microsoft.Extensions.Options;

namespace Inference.Extractor;

/// <summary>An extractor process must serve at least one extractor, each with a queue-safe name.</summary>
public sealed class ExtractorOptionsValidator : IValidateOptions<ExtractorOptions>
{
    public ValidateOptionsResult Validate(string? name, ExtractorOptions options)
    {
        if (options.Serve.Count == 0)
            return ValidateOptionsResult.Fail("Extractor:Serve is empty: name the extractor(s) this process serves, e.g. Extractor__Serve__0=generic.");
        var bad = options.Serve.Where(s => !Regex.IsMatch(s ?? "", QueueNames.ExtractorPattern)).ToArray();
        return bad.Length == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Extractor:Serve has names that are not kebab-case: {string.Join(", ", bad)}");
    }
}
