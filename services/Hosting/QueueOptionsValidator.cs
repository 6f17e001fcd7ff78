using Microsoft.Extensions.Options;

namespace Inference.Hosting;

/// <summary>Refuses queue settings that would stall or spin a consumer, naming the key (<c>Queues:Default:…</c>, <c>Queues:Overrides:&lt;queue&gt;:…</c>).</summary>
public sealed class QueueOptionsValidator : IValidateOptions<QueueOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueOptions options)
    {
        var failures = new List<string>();
        Check($"{QueueOptions.Section}:Default", options.Default, failures);
        foreach (var (queue, settings) in options.Overrides)
            Check($"{QueueOptions.Section}:Overrides:{queue}", settings, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    static void Check(string key, QueueSettings settings, List<string> failures)
    {
        void Within(string setting, double value, double min, double max)
        {
            if (value < min || value > max) failures.Add($"{key}:{setting} must be within [{min}, {max}], was {value}.");
        }

        Within(nameof(settings.PrefetchCount), settings.PrefetchCount, 1, 10_000);
        Within(nameof(settings.ConcurrencyLimit), settings.ConcurrencyLimit, 1, 10_000);
        Within(nameof(settings.RetryLimit), settings.RetryLimit, 0, 100);
        Within(nameof(settings.OutageRetryLimit), settings.OutageRetryLimit, 0, 100);
        Within(nameof(settings.RetryIntervalMs), settings.RetryIntervalMs, 1, 600_000);
        Within(nameof(settings.BatchSize), settings.BatchSize, 1, 10_000);
        Within(nameof(settings.BatchDelayMs), settings.BatchDelayMs, 0, 60_000);
    }
}
