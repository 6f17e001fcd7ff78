namespace Inference.Cli.Bench;

/// <summary>One benchmark run's figures, as written to <c>bench/results/</c>.</summary>
/// <param name="IdleAfterWarmUpSeconds">How long after the warm-up every process took to go idle (its runtime's background compilation done), before
/// measuring started; null without a warm-up, or when the processes were still busy a minute after it.</param>
public sealed record BenchResult(
    string Command,
    string Commit,
    string Machine,
    DateTimeOffset StartedAt,
    string Models,
    double? Rate,
    int WarmUp,
    int Products,
    int Stored,
    double Seconds,
    double ProductsPerSecond,
    double LatencyP50Ms,
    double LatencyP95Ms,
    double LatencyP99Ms,
    IReadOnlyList<ProcessFigures> Processes,
    IReadOnlyList<ModelFigures> ModelLimits,
    double? LimitProductsPerSecond,
    double? IdleAfterWarmUpSeconds = null)
{
    /// <summary>The pipeline's throughput as a share of the models' own limit (null when there are no models to limit it).</summary>
    public double? ShareOfLimit => LimitProductsPerSecond is > 0 ? ProductsPerSecond / LimitProductsPerSecond : null;
}

/// <summary>CPU seconds per 1,000 products and peak resident memory of one process (or server).</summary>
public sealed record ProcessFigures(string Name, double CpuSecondsPer1000, double PeakRssMb);

/// <summary>A model's raw ONNX Runtime throughput at the batch size the pipeline uses.</summary>
public sealed record ModelFigures(string Model, int BatchSize, double ItemsPerSecond);
