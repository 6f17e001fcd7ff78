using Microsoft.Extensions.Options;

namespace Inference.Gateway;

/// <summary>Refuses Gateway settings that would make it unsafe or unusable, with the key to fix.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <summary>A key shorter than this is guessable; refuse it rather than run with it.</summary>
    public const int MinKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            if (string.IsNullOrWhiteSpace(key) || key.Trim().Length < MinKeyLength)
                failures.Add($"Gateway:ApiKeys:{i} must be at least {MinKeyLength} characters (without surrounding spaces).");
        }

        if (options.MaxBatchSize is < 1 or > 100_000)
            failures.Add($"Gateway:MaxBatchSize must be within [1, 100000], was {options.MaxBatchSize}.");
        if (options.MaxTextBytes is < 1 or > 16 * 1024 * 1024)
            failures.Add($"Gateway:MaxTextBytes must be within [1, 16 MiB], was {options.MaxTextBytes}.");
        if (options.TrackedProducts is < 0 or > 10_000_000)
            failures.Add($"Gateway:TrackedProducts must be within [0, 10000000], was {options.TrackedProducts}.");
        if (options.PublishTimeout <= TimeSpan.Zero || options.PublishTimeout > TimeSpan.FromMinutes(5))
            failures.Add($"Gateway:PublishTimeout must be within (0, 00:05:00], was {options.PublishTimeout}.");
        if (options.RecentFaults is < 0 or > 1_000)
            failures.Add($"Gateway:RecentFaults must be within [0, 1000], was {options.RecentFaults}.");
        if (options.MaxRequestBytes > int.MaxValue)
            failures.Add($"Gateway:MaxBatchSize × Gateway:MaxTextBytes allows requests of {options.MaxRequestBytes:N0} bytes, over 2 GiB: lower one of them.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
