namespace Inference.Orchestrator;

/// <summary>How long a product may wait on one stage before the saga gives up on it, and how often that is checked.</summary>
public sealed class StageTimeoutOptions
{
    public const string Section = "StageTimeout";

    /// <summary>No progress for this long faults the product. Generous by default: deep queues under load are not a fault.</summary>
    public TimeSpan After { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Sagas looked at per round; a full round is followed by the next at once.</summary>
    public int BatchSize { get; set; } = 500;
}
