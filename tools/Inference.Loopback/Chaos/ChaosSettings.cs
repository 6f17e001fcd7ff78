namespace Inference.Loopback.Chaos;

/// <summary>What a fault-injection run feeds and breaks.</summary>
/// <param name="Input">JSON Lines of products (the dev data), used again under new ids if shorter than <paramref name="Products"/>.</param>
/// <param name="Rate">Products published per second: the feed lasts <c>Products / Rate</c> seconds, and the faults are spread over it.</param>
/// <param name="OrchestratorKills">How many times the Orchestrator is killed (the other services once each, each server restarted once).</param>
/// <param name="Models"><c>Onnx</c> (the shipped models), <c>Baseline</c> or <c>Null</c>.</param>
/// <param name="Patience">How long, after the last product was sent, every product may take to reach Completed or Faulted.</param>
/// <param name="Only">The kinds of fault to inject (orchestrator, classifier, classifier-deep, extractor, validator, store, redis, postgres, rabbitmq); null: all.</param>
public sealed record ChaosSettings(
    string Input,
    int Products,
    double Rate,
    int OrchestratorKills,
    string Models,
    TimeSpan Patience,
    string LogDirectory,
    IReadOnlyList<string>? Only = null);
