using Inference.Contracts;

namespace Inference.Loopback;

/// <summary>Every service of the pipeline as its own supervised process, on the servers the settings name.</summary>
public sealed class DistributedPipeline : IAsyncDisposable
{
    readonly List<ServiceProcess> _services;

    DistributedPipeline(List<ServiceProcess> services) => _services = services;

    public IReadOnlyList<ServiceProcess> Services => _services;

    public ServiceProcess this[string name] => _services.Single(s => s.Name == name);

    /// <summary>
    /// Starts the Orchestrator, the Classifier (the fast model) and the deep Classifier (the <c>classify-deep</c> queue), one Extractor
    /// process per group of extractors, the Validator, the Store (and the Gateway),
    /// each with <paramref name="environment"/> plus its own settings, and waits until every one is ready.
    /// </summary>
    public static async Task<DistributedPipeline> StartAsync(
        SolutionLayout layout,
        IDictionary<string, string?> environment,
        IReadOnlyList<IReadOnlyList<string>> extractorGroups,
        string logDirectory,
        TimeSpan readyTimeout,
        IDictionary<string, IDictionary<string, string?>>? perService = null,
        bool withGateway = false)
    {
        var plan = new List<(string Name, string Service, Dictionary<string, string?> Environment)>
        {
            ("orchestrator", "Orchestrator", new(environment)),
            ("classifier", "Classifier", new(environment) { ["Classifier__Queues"] = QueueNames.Classify }),
            ("classifier-deep", "Classifier", new(environment) { ["Classifier__Queues"] = QueueNames.ClassifyDeep }),
            ("validator", "Validator", new(environment)),
            ("store", "Store", new(environment)),
        };
        if (withGateway) plan.Add(("gateway", "Gateway", new(environment)));
        foreach (var group in extractorGroups)
        {
            var settings = new Dictionary<string, string?>(environment);
            for (var i = 0; i < group.Count; i++) settings[$"Extractor__Serve__{i}"] = group[i];
            plan.Add(($"extractor-{string.Join('+', group)}", "Extractor", settings));
        }

        var started = new List<ServiceProcess>();
        try
        {
            foreach (var (name, service, settings) in plan)
            {
                if (perService?.TryGetValue(name, out var own) == true)
                    foreach (var (key, value) in own) settings[key] = value;
                started.Add(ServiceProcess.Start(name, layout.ServiceAssembly(service), settings, logDirectory));
            }

            await Task.WhenAll(started.Select(s => s.WaitUntilReadyAsync(readyTimeout)));
            return new DistributedPipeline(started);
        }
        catch
        {
            foreach (var service in started) await service.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_services.Select(s => s.DisposeAsync().AsTask()));
    }
}
