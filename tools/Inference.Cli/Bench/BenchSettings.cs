namespace Inference.Cli.Bench;

/// <summary>What <c>inference bench</c> was asked to measure.</summary>
/// <param name="Models"><c>real</c>: the shipped models; <c>null</c>: pass-throughs, to measure orchestration alone.</param>
/// <param name="WarmUp">Products published and stored before measuring, so every process has compiled its hot paths.</param>
/// <param name="Rate">Products per second to publish at; null floods the bus as fast as it takes them.</param>
/// <param name="WithGateway">Run the Gateway beside the pipeline, as a deployment does (its dashboard figures cost work too).</param>
public sealed record BenchSettings(
    string Input,
    int Products,
    int WarmUp,
    string Models,
    double? Rate,
    string Configuration,
    string ResultsDirectory,
    TimeSpan Patience,
    bool WithGateway = false);
