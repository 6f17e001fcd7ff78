using System.Net;
using Inference.Gateway.Pipeline;
using Inference.Sagas;
using MassTransit.Saga;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// The Gateway's real entry point, with its production <c>appsettings.json</c> and the settings a test gives, in the test
/// host or (<see cref="ServeOnLoopback"/>) on a real loopback port for a browser.
/// </summary>
/// <param name="pipeline">The in-process pipeline whose memory the gateway reads, as one process would: its saga repository, and the
/// tallies and history every gateway of that process shares.</param>
public sealed class GatewayFactory(IDictionary<string, string?> settings, InProcessPipeline? pipeline = null) : WebApplicationFactory<Inference.Gateway.GatewayOptions>
{
    public const string Key = "test-key-0123456789abcdef";

    /// <summary>What the Gateway logged, to check its warnings.</summary>
    public LogCapture Logs { get; } = new();

    /// <summary>Services to add after the Gateway's own (e.g. a Redis multiplexer, as the Redis repository will register).</summary>
    public Action<IServiceCollection>? MoreServices { get; init; }

    /// <summary>Serves on Kestrel, on 127.0.0.1 and a free port, instead of the in-memory test server.</summary>
    public GatewayFactory ServeOnLoopback()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        return this;
    }

    /// <summary>Where Kestrel listens (after <see cref="ServeOnLoopback"/>).</summary>
    public Uri Address =>
        new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    /// <summary>Settings of a gateway on the given virtual host and database, with <see cref="Key"/> as its one API key.</summary>
    public static Dictionary<string, string?> Settings(IDictionary<string, string?> transport, string storeConnectionString) =>
        new(transport)
        {
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = storeConnectionString,
            ["Gateway:ApiKeys:0"] = Key,
            // The test classes share a virtual host: its dead-letter queues hold every class's messages.
            ["Gateway:DeadLetters"] = "100",
            // A sample a second, so the figures the tests wait for follow the events within seconds.
            ["Gateway:History:SampleEvery"] = "00:00:01",
        };

    /// <summary>
    /// Stops the gateway, giving it a minute: once in a full suite its bus never stopped (a receive transport still waiting for its
    /// connection), and one stuck gateway must not hold the whole suite. What was left behind is said in the test output.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        var stopping = base.DisposeAsync().AsTask();
        if (await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromMinutes(1))) != stopping)
            await TestContext.Progress.WriteLineAsync("A gateway did not stop within a minute (its bus still stopping); left behind.");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Not Development: the production appsettings.json (no key) plus only what the test says.
        builder.UseEnvironment("Testing");
        // The saga store is the in-process pipeline's memory unless the test names one (a Redis test does).
        builder.UseSetting("SagaRepository:Kind", "InMemory");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureTestServices(services =>
        {
            if (pipeline is not null)
            {
                services.RemoveAll<IndexedSagaDictionary<ProductState>>();
                services.AddSingleton(pipeline.Sagas);
                services.RemoveAll<InMemoryPipelineTallies>();
                services.AddSingleton(pipeline.Tallies);
                services.RemoveAll<IPipelineHistory>();
                services.AddSingleton<IPipelineHistory>(pipeline.History);
            }

            MoreServices?.Invoke(services);
        });
    }
}

/// <summary>Keeps every log line of a host, for assertions.</summary>
public sealed class LogCapture : ILoggerProvider
{
    readonly List<(LogLevel Level, string Category, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries
    {
        get { lock (_entries) return _entries.ToArray(); }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lock (capture._entries) capture._entries.Add((logLevel, category, formatter(state, exception)));
        }
    }
}
