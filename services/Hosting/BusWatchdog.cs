using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.Hosting;

/// <summary>A message a process sends to itself, to prove that its bus still sends and receives.</summary>
public sealed record BusProbe(Guid ProbeId);

/// <summary>
/// Checks every <see cref="Interval"/> that this process still consumes: a probe sent to a temporary queue of its own must come
/// back within <see cref="Timeout"/>, and every queue it consumes must have a consumer at the broker. After a RabbitMQ restart,
/// MassTransit 8.5 at times neither reconnects a receive endpoint nor says so (seen here: the Classifier's and the Store's
/// consumers gone from the broker for good, while the bus's own health check said Ready and nothing was logged). When either
/// check fails <see cref="MaxMisses"/> times in a row, the liveness check fails and the process stops with exit code 1, so
/// whatever supervises it (Kubernetes, compose's restart policy, <c>inference stack</c>) starts it afresh; its unacknowledged
/// messages go back to their queues. (With several replicas on one queue, one replica that lost its consumer is not seen by
/// the consumer count while another consumes.)
/// </summary>
public sealed class BusWatchdog(IBusControl bus, IQueueDepths queueDepths, ConsumedQueues consumed, IHostApplicationLifetime lifetime, ILogger<BusWatchdog> logger)
    : BackgroundService, IHealthCheck
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    public const int MaxMisses = 4;

    readonly object _gate = new();
    TaskCompletionSource? _awaited;
    Guid _awaitedId;
    int _misses;
    string? _failure;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Watching starts once the bus has started (with the broker down at start-up, that waits for it).
        while (bus.CheckHealth().Status != BusHealthStatus.Healthy)
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);

        var handle = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition("watchdog"), KebabCaseEndpointNameFormatter.Instance,
            endpoint => endpoint.Handler<BusProbe>(context =>
            {
                lock (_gate)
                {
                    if (context.Message.ProbeId == _awaitedId) _awaited?.TrySetResult();
                }

                return Task.CompletedTask;
            }));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(Interval, stoppingToken);
                var failure = await ProbeAsync(handle, stoppingToken) ? await UnconsumedQueueAsync(stoppingToken) : "the probe was not delivered";
                if (failure is null)
                {
                    if (_misses > 0) logger.LogInformation("The bus delivers again after {Misses} failed check(s)", _misses);
                    (_misses, _failure) = (0, null);
                    continue;
                }

                (_misses, _failure) = (_misses + 1, failure);
                logger.LogWarning("Bus check failed: {Failure} ({Misses} of {MaxMisses} in a row)", failure, _misses, MaxMisses);
                if (_misses < MaxMisses) continue;

                logger.LogCritical("This process no longer consumes ({Failure}, {Misses} checks in a row); stopping so that its supervisor starts it afresh",
                    failure, _misses);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await handle.StopAsync(CancellationToken.None);
        }
    }

    async Task<bool> ProbeAsync(HostReceiveEndpointHandle handle, CancellationToken stoppingToken)
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = Guid.NewGuid();
        lock (_gate)
        {
            _awaitedId = id;
            _awaited = arrived;
        }

        try
        {
            await handle.Ready.WaitAsync(Timeout, stoppingToken);
            var endpoint = await bus.GetSendEndpoint(handle.ReceiveEndpoint.InputAddress).WaitAsync(Timeout, stoppingToken);
            await endpoint.Send(new BusProbe(id), stoppingToken).WaitAsync(Timeout, stoppingToken);
            await arrived.Task.WaitAsync(Timeout, stoppingToken);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or MassTransitException || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>The first queue this process consumes that the broker says has no consumer; null when every one has (or the broker cannot say).</summary>
    async Task<string?> UnconsumedQueueAsync(CancellationToken stoppingToken)
    {
        foreach (var queue in consumed.Names)
        {
            if (await queueDepths.Of(queue, stoppingToken) is { Consumers: 0 })
                return $"queue {queue} has no consumer at the broker";
        }

        return null;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_misses >= MaxMisses
            ? HealthCheckResult.Unhealthy($"{_failure} ({_misses} checks in a row): this process no longer consumes")
            : HealthCheckResult.Healthy(_failure is null ? "consuming" : $"{_failure} ({_misses} of {MaxMisses})"));
}

/// <summary>The durable queues this process's receive endpoints consume (not the temporary ones), as they become ready.</summary>
public sealed class ConsumedQueues : IReceiveEndpointObserver
{
    readonly ConcurrentDictionary<string, byte> _names = new();

    public IReadOnlyCollection<string> Names => _names.Keys.ToArray();

    public Task Ready(ReceiveEndpointReady ready)
    {
        var address = ready.InputAddress;
        if (!address.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase) && !address.Query.Contains("autodelete", StringComparison.OrdinalIgnoreCase))
            _names.TryAdd(address.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Last(), 0);
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
}
