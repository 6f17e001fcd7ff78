using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Inference.Sagas.Redis;

/// <summary>Refuses saga repository settings that would fail later, naming the key and the bad value.</summary>
/// <param name="knownStates">The saga's states, to catch a misspelt finished state; null when the saga cannot say.</param>
public sealed class SagaRepositoryOptionsValidator(IReadOnlyCollection<string>? knownStates = null) : IValidateOptions<SagaRepositoryOptions>
{
    const string Redis = $"{SagaRepositoryOptions.Section}:{nameof(SagaRepositoryOptions.Redis)}";

    public ValidateOptionsResult Validate(string? name, SagaRepositoryOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Kind))
            failures.Add($"{SagaRepositoryOptions.Section}:Kind '{options.Kind}' is not one of {string.Join(", ", Enum.GetNames<SagaRepositoryKind>())}.");
        if (options.ConflictRetryLimit is < 0 or > 1000)
            failures.Add($"{SagaRepositoryOptions.Section}:ConflictRetryLimit must be within [0, 1000], was {options.ConflictRetryLimit}.");
        if (options.Kind == SagaRepositoryKind.Redis)
            ValidateRedis(options.Redis, failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    void ValidateRedis(RedisSagaOptions redis, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(redis.Configuration))
        {
            failures.Add($"{Redis}:Configuration is empty; give a StackExchange.Redis configuration string such as 127.0.0.1:6379.");
        }
        else
        {
            try
            {
                if (ConfigurationOptions.Parse(redis.Configuration).EndPoints.Count == 0)
                    failures.Add($"{Redis}:Configuration '{redis.Configuration}' names no Redis server (host:port).");
            }
            catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException)
            {
                failures.Add($"{Redis}:Configuration '{redis.Configuration}' is not a StackExchange.Redis configuration string: {e.Message}");
            }
        }

        if (string.IsNullOrWhiteSpace(redis.KeyPrefix) || redis.KeyPrefix.Any(char.IsWhiteSpace))
            failures.Add($"{Redis}:KeyPrefix '{redis.KeyPrefix}' must be non-empty and without spaces (e.g. inference:saga:).");
        if (redis.FinishedExpiry <= TimeSpan.Zero)
            failures.Add($"{Redis}:FinishedExpiry must be positive (e.g. 7.00:00:00 for seven days), was {redis.FinishedExpiry}.");

        if (knownStates is null) return;
        foreach (var state in redis.FinishedStates.Where(s => !knownStates.Contains(s, StringComparer.Ordinal)))
            failures.Add($"{Redis}:FinishedStates '{state}' is not a state of the saga (its states: {string.Join(", ", knownStates)}).");
    }
}
