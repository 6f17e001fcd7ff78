using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Gateway;

/// <summary>Refuses Gateway settings that would make it unsafe or unusable, with the key to fix.</summary>
public sealed class GatewayOptionsValidator(IOptions<ProductTextOptions> products) : IValidateOptions<GatewayOptions>
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
        if (options.TrackedProducts is < 0 or > 10_000_000)
            failures.Add($"Gateway:TrackedProducts must be within [0, 10000000], was {options.TrackedProducts}.");
        if (options.PublishTimeout <= TimeSpan.Zero || options.PublishTimeout > TimeSpan.FromMinutes(5))
            failures.Add($"Gateway:PublishTimeout must be within (0, 00:05:00], was {options.PublishTimeout}.");
        if (options.RecentFaults is < 0 or > 1_000)
            failures.Add($"Gateway:RecentFaults must be within [0, 1000], was {options.RecentFaults}.");
        if (options.DeadLetters is < 0 or > 100)
            failures.Add($"Gateway:DeadLetters must be within [0, 100], was {options.DeadLetters}.");
        var maxRequestBytes = options.MaxRequestBytes(products.Value.MaxTextBytes);
        if (maxRequestBytes > int.MaxValue)
            failures.Add($"Gateway:MaxBatchSize × Products:MaxTextBytes allows requests of {maxRequestBytes:N0} bytes, over 2 GiB: lower one of them.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
