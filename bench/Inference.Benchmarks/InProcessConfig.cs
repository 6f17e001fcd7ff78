using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Inference.Benchmarks;

/// <summary>In this process (the servers are shared, no generated project is needed): 5 warm-ups, 20 measured iterations.</summary>
public sealed class InProcessConfig : ManualConfig
{
    public InProcessConfig() => AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(20).WithToolchain(InProcessEmitToolchain.Instance));
}
