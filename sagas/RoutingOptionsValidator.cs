using System.Text.RegularExpressions;
using Inference.Contracts;
using Microsoft.Extensions.Options;

namespace Inference.Sagas;

/// <summary>Refuses a routing table whose extractor names would not make valid queue names.</summary>
public sealed partial class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        var failures = new List<string>();
        if (options.MinConfidence is < 0 or > 1)
            failures.Add($"Routing:MinConfidence must be within [0, 1], was {options.MinConfidence}.");
        if (options.DeepGate is < 0 or > 1)
            failures.Add($"Routing:DeepGate must be within [0, 1] (0 turns the deep classifier off), was {options.DeepGate}.");
        if (!Kebab().IsMatch(options.Fallback ?? ""))
            failures.Add($"Routing:Fallback '{options.Fallback}' is not a kebab-case extractor name.");
        foreach (var (category, extractor) in options.Routes)
        {
            if (!Kebab().IsMatch(extractor ?? ""))
                failures.Add($"Routing:Routes:{category} → '{extractor}' is not a kebab-case extractor name.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex(QueueNames.ExtractorPattern)]
    private static partial Regex Kebab();
}
