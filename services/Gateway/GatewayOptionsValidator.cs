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
        if (options.PublishTimeout <= TimeSpan.Zero || options.PublishTimeout > TimeSpan.FromMinutes(5))
            failures.Add($"Gateway:PublishTimeout must be within (0, 00:05:00], was {options.PublishTimeout}.");
        if (options.RecentFaults is < 0 or > 1_000)
            failures.Add($"Gateway:RecentFaults must be within [0, 1000], was {options.RecentFaults}.");
        if (options.DeadLetters is < 0 or > 100)
            failures.Add($"Gateway:DeadLetters must be within [0, 100], was {options.DeadLetters}.");
        var maxRequestBytes = options.MaxRequestBytes(products.Value.MaxTextBytes);
        if (maxRequestBytes > int.MaxValue)
            failures.Add($"Gateway:MaxBatchSize × Products:MaxTextBytes allows requests of {maxRequestBytes:N0} bytes, over 2 GiB: lower one of them.");
        if (options.IdempotencyWindow < TimeSpan.FromSeconds(1) || options.IdempotencyWindow > TimeSpan.FromDays(30))
            failures.Add($"Gateway:IdempotencyWindow must be within [00:00:01, 30.00:00:00], was {options.IdempotencyWindow}.");
        var history = options.History;
        if (history.SampleEvery < TimeSpan.FromSeconds(1) || history.SampleEvery > TimeSpan.FromSeconds(30))
            failures.Add($"Gateway:History:SampleEvery must be within [00:00:01, 00:00:30] (the events of a minute are kept for it), was {history.SampleEvery}.");
        else if (history.Keep < TimeSpan.FromMinutes(1) || history.Keep > TimeSpan.FromHours(6))
            failures.Add($"Gateway:History:Keep must be within [00:01:00, 06:00:00], was {history.Keep}.");
        var pressure = options.BackPressure;
        if (pressure.MaxClassifyQueue < 0)
            failures.Add($"Gateway:BackPressure:MaxClassifyQueue must be 0 (no limit) or positive, was {pressure.MaxClassifyQueue}.");
        if (pressure.MaxInFlight < 0)
            failures.Add($"Gateway:BackPressure:MaxInFlight must be 0 (no limit) or positive, was {pressure.MaxInFlight}.");
        if (pressure.RetryAfter < TimeSpan.FromSeconds(1) || pressure.RetryAfter > TimeSpan.FromHours(1))
            failures.Add($"Gateway:BackPressure:RetryAfter must be within [00:00:01, 01:00:00], was {pressure.RetryAfter}.");
        if (pressure.MeasureEvery < TimeSpan.Zero || pressure.MeasureEvery > TimeSpan.FromMinutes(1))
            failures.Add($"Gateway:BackPressure:MeasureEvery must be within [0, 00:01:00], was {pressure.MeasureEvery}.");
        var reprocess = options.Reprocess;
        if (reprocess.MaxRate is <= 0 or > 100_000)
            failures.Add($"Gateway:Reprocess:MaxRate must be within (0, 100000] products per second, was {reprocess.MaxRate}.");
        if (reprocess.DefaultRate <= 0 || reprocess.DefaultRate > reprocess.MaxRate)
            failures.Add($"Gateway:Reprocess:DefaultRate must be within (0, Gateway:Reprocess:MaxRate], was {reprocess.DefaultRate}.");
        if (reprocess.JobsKept is < 1 or > 1_000)
            failures.Add($"Gateway:Reprocess:JobsKept must be within [1, 1000], was {reprocess.JobsKept}.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
