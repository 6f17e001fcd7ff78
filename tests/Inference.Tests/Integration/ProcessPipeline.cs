using Inference.Contracts;
using Inference.Sagas;
using MassTransit;

namespace Inference.Tests.Integration;

/// <summary>
/// The production shape on loopback, as the end-to-end tests run it: every service its own process on RabbitMQ (a private
/// virtual host), Redis (a private key prefix) and PostgreSQL (a private database), and a bus of upstream's to publish into.
/// Disposing it stops the processes, attaches the files of its folder (the services' logs among them) to the test and drops what it made.
/// </summary>
public sealed class ProcessPipeline : IAsyncDisposable
{
    ProcessPipeline(RabbitMqVirtualHost virtualHost, PostgresDatabase database, RedisKeyspace redis, SolutionLayout layout, string home)
    {
        VirtualHost = virtualHost;
        Database = database;
        Redis = redis;
        Layout = layout;
        Home = home;
    }

    public RabbitMqVirtualHost VirtualHost { get; }

    public PostgresDatabase Database { get; }

    public RedisKeyspace Redis { get; }

    public SolutionLayout Layout { get; }

    /// <summary>A folder of the run's own: the services' logs, and whatever else the test keeps there.</summary>
    public string Home { get; }

    public DistributedPipeline Pipeline { get; private set; } = null!;

    public IBusControl Upstream { get; private set; } = null!;

    /// <param name="purpose">Names the virtual host, the database and the folder.</param>
    /// <param name="extractorGroups">The extractor processes, from the deployed extractors.</param>
    public static async Task<ProcessPipeline> StartAsync(
        string purpose,
        Func<string[], IReadOnlyList<IReadOnlyList<string>>> extractorGroups,
        IDictionary<string, IDictionary<string, string?>>? perService = null,
        bool withGateway = false)
    {
        var testDirectory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        var layout = new SolutionLayout(SolutionLayout.FindRoot(testDirectory.FullName), testDirectory.Parent!.Parent!.Name);
        var run = new ProcessPipeline(
            await RabbitMqVirtualHost.CreateAsync(purpose), await PostgresDatabase.CreateAsync(purpose), await RedisKeyspace.CreateAsync(),
            layout, Directory.CreateTempSubdirectory($"inference-{purpose}-").FullName);
        var settings = LoopbackServers.Current.ServiceSettings(run.VirtualHost.Name, run.Redis.Prefix, run.Database.ConnectionString);
        var extractors = extractorGroups(layout.DeployedExtractors().SelectMany(e => e).ToArray());
        run.Pipeline = await DistributedPipeline.StartAsync(layout, settings, extractors, run.Home, TimeSpan.FromSeconds(120), perService, withGateway);
        run.Upstream = run.VirtualHost.CreateUpstreamBus();
        await run.Upstream.StartAsync();
        return run;
    }

    /// <summary>The first <paramref name="count"/> held-out records (models/eval/folds89.jsonl) as upstream publishes them, under the pipeline's ids.</summary>
    public IReadOnlyList<ProductTextReceived> Products(int count) =>
        DevProducts.Read(Path.Combine(Layout.Root, "models", "eval", "folds89.jsonl"), count)
            .Select(p => new ProductTextReceived(ProductIds.For(p.Source, p.Id), p.Source, p.Id, p.Text, DateTimeOffset.UtcNow))
            .ToArray();

    public async ValueTask DisposeAsync()
    {
        if (Upstream is not null) await Upstream.StopAsync();
        if (Pipeline is not null) await Pipeline.DisposeAsync();
        foreach (var file in Directory.EnumerateFiles(Home)) TestContext.AddTestAttachment(file);
        await Redis.DisposeAsync();
        await Database.DisposeAsync();
        await VirtualHost.DisposeAsync();
    }
}
