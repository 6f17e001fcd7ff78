using BenchmarkDotNet.Running;

// In process: the benchmarks talk to the servers scripts/infra/start.sh runs, and need no generated project of their own.
BenchmarkSwitcher.FromAssembly(typeof(Inference.Benchmarks.InProcessConfig).Assembly).Run(args);
