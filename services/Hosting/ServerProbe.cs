using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.Hosting;

/// <summary>A server a service depends on, by name and address, for start-up diagnostics.</summary>
public sealed record ServerAddress(string Name, string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>
/// Says in one clear line when a server is unreachable at start-up, and again when it answers.
/// The clients themselves (MassTransit, StackExchange.Redis, Npgsql) keep retrying with backoff; this only makes the wait legible.
/// </summary>
public sealed class ServerProbe(IEnumerable<ServerAddress> servers, ILogger<ServerProbe> logger) : BackgroundService
{
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(servers.Select(server => WatchAsync(server, stoppingToken)));

    async Task WatchAsync(ServerAddress server, CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var failure = await TryConnectAsync(server, stoppingToken);
            if (failure is null)
            {
                if (attempt > 0) logger.LogInformation("{Server} at {Address} is reachable now", server.Name, server);
                return;
            }

            var delay = Backoff.Delay(attempt++);
            logger.LogWarning("{Server} at {Address} is unreachable ({Reason}); retrying in {Delay:0.#} s",
                server.Name, server, failure, delay.TotalSeconds);
            try { await Task.Delay(delay, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    static async Task<string?> TryConnectAsync(ServerAddress server, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.Host, server.Port, timeout.Token);
            return null;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode.ToString();
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return $"no answer within {ConnectTimeout.TotalSeconds:0} s";
        }
    }
}
