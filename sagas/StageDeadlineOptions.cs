using Microsoft.Extensions.Options;

namespace Inference.Sagas;

/// <summary>
/// How long a product may wait on one stage before its command is sent again, how many times, and when it is given up
/// (Faulted). The n-th re-send waits <c>ResendAfter × 2ⁿ</c>, so with the defaults a silent stage is tried at 30 s, 90 s
/// and 210 s, and faulted at 450 s.
/// </summary>
public sealed class StageDeadlineOptions
{
    public const string Section = "StageTimeout";

    /// <summary>No progress for this long re-sends the stage's command; deep queues under load want more than their longest wait.</summary>
    public TimeSpan ResendAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A stage's own <see cref="ResendAfter"/>, by stage name (<c>classify</c>, <c>classify-deep</c>, <c>extract</c>, <c>validate</c>, <c>store</c>).</summary>
    public Dictionary<string, TimeSpan> Stages { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Re-sends before the product is Faulted at the stage; 0 faults at the first deadline.</summary>
    public int MaxResends { get; set; } = 3;

    /// <summary>How often the monitor looks for products past their deadline.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Products looked at per round; a full round is followed by the next at once.</summary>
    public int BatchSize { get; set; } = 500;

    public TimeSpan ResendAfterFor(string stage) => Stages.TryGetValue(stage, out var after) ? after : ResendAfter;

    /// <summary>The shortest wait of any stage: a product idle for less is never due.</summary>
    public TimeSpan ShortestWait => Stages.Values.Append(ResendAfter).Min();

    /// <summary>When a product waiting on <paramref name="stage"/>, re-sent <paramref name="resends"/> times, last moved at <paramref name="updatedAt"/>, is due.</summary>
    public DateTimeOffset DueAt(string stage, int resends, DateTimeOffset updatedAt) =>
        updatedAt + ResendAfterFor(stage) * Math.Pow(2, Math.Clamp(resends, 0, 20));
}

/// <summary>Refuses deadlines that would re-send at once or never, naming the key.</summary>
public sealed class StageDeadlineOptionsValidator : IValidateOptions<StageDeadlineOptions>
{
    static readonly string[] KnownStages = [Stage.Classify, Stage.ClassifyDeep, Stage.Extract, Stage.Validate, Stage.Store];

    public ValidateOptionsResult Validate(string? name, StageDeadlineOptions options)
    {
        const string S = StageDeadlineOptions.Section;
        var failures = new List<string>();
        if (options.ResendAfter <= TimeSpan.Zero)
            failures.Add($"{S}:ResendAfter must be positive (e.g. 00:00:30), was {options.ResendAfter}.");
        foreach (var (stage, after) in options.Stages)
        {
            if (!KnownStages.Contains(stage, StringComparer.OrdinalIgnoreCase))
                failures.Add($"{S}:Stages:{stage} is not a stage (one of {string.Join(", ", KnownStages)}).");
            else if (after <= TimeSpan.Zero)
                failures.Add($"{S}:Stages:{stage} must be positive, was {after}.");
        }

        if (options.MaxResends is < 0 or > 10)
            failures.Add($"{S}:MaxResends must be within [0, 10], was {options.MaxResends}.");
        if (options.CheckEvery <= TimeSpan.Zero)
            failures.Add($"{S}:CheckEvery must be positive (e.g. 00:00:05), was {options.CheckEvery}.");
        if (options.BatchSize is < 1 or > 100_000)
            failures.Add($"{S}:BatchSize must be within [1, 100000], was {options.BatchSize}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
