namespace Inference.Cli.Bench;

/// <summary>One benchmark run's figures, as written to <c>bench/results/</c>.</summary>
/// <param name="IdleAfterWarmUpSeconds">How long after the warm-up every process took to go idle (its runtime's background compilation done), before
/// measuring started; null without a warm-up, or when the processes were still busy a minute after it.</param>
/// <param name="StartCpuSeconds">CPU the services used together from their launch until every one was ready.</param>
/// <param name="FirstSeconds">Latency of the products that arrived in each window of the measured run's first half minute: with
/// <c>--warm-up 0</c>, how soon freshly started processes run at full speed.</param>
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
    double? IdleAfterWarmUpSeconds = null,
    double? StartCpuSeconds = null,
    IReadOnlyList<LatencyWindow>? FirstSeconds = null)
{
    /// <summary>The pipeline's throughput as a share of the models' own limit (null when there are no models to limit it).</summary>
    public double? ShareOfLimit => LimitProductsPerSecond is > 0 ? ProductsPerSecond / LimitProductsPerSecond : null;
}

/// <summary>Received→stored p50 and p99 of the products that arrived from <paramref name="FromSecond"/> for <see cref="Seconds"/> seconds.</summary>
public sealed record LatencyWindow(int FromSecond, int Products, double P50Ms, double P99Ms)
{
    public const int Seconds = 5;

    /// <summary>Windows reported: the first half minute.</summary>
    public const int Count = 6;
}

/// <summary>CPU seconds per 1,000 products and peak resident memory of one process (or server).</summary>
public sealed record ProcessFigures(string Name, double CpuSecondsPer1000, double PeakRssMb);

/// <summary>A model's raw ONNX Runtime throughput at the batch size the pipeline uses.</summary>
public sealed record ModelFigures(string Model, int BatchSize, double ItemsPerSecond);
