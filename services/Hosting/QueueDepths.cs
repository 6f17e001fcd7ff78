using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Inference.Hosting;

/// <summary>Messages waiting in a queue and the consumers listening on it, as the broker counts them.</summary>
public sealed record QueueDepth(long Ready, long Consumers);

/// <summary>How deep a queue is: what the stage deadlines ask before they call a waiting product lost rather than queued.</summary>
public interface IQueueDepths
{
    /// <summary>The queue's depth; null when it cannot be known (no broker, the broker unreachable).</summary>
    Task<QueueDepth?> Of(string queue, CancellationToken cancellationToken);
}

/// <summary>The in-memory transport has no broker to ask: depths are unknown.</summary>
public sealed class UnknownQueueDepths : IQueueDepths
{
    public Task<QueueDepth?> Of(string queue, CancellationToken cancellationToken) => Task.FromResult<QueueDepth?>(null);
}

/// <summary>
/// Asks RabbitMQ with a passive queue declare (AMQP, no management plugin needed) on a connection of its own, opened at the
/// first question and opened again after a failure.
/// </summary>
public sealed class RabbitMqQueueDepths(IOptions<TransportOptions> options, ILogger<RabbitMqQueueDepths> logger) : IQueueDepths, IAsyncDisposable
{
    readonly SemaphoreSlim _gate = new(1, 1);
    IConnection? _connection;
    IChannel? _channel;

    public async Task<QueueDepth?> Of(string queue, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var channel = await ChannelAsync(cancellationToken);
            var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            return new QueueDepth(declared.MessageCount, declared.ConsumerCount);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            // No such queue (yet): nothing waits in it, nobody listens. The broker closed the channel; the next question opens one.
            _channel = null;
            return new QueueDepth(0, 0);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Could not read the depth of queue {Queue} ({Reason})", queue, e.Message);
            await CloseAsync();
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open) return open;
        if (_connection is not { IsOpen: true })
        {
            var rabbit = options.Value.RabbitMq;
            var factory = new ConnectionFactory
            {
                HostName = rabbit.Host,
                Port = rabbit.Port,
                VirtualHost = rabbit.VirtualHost,
                UserName = rabbit.Username,
                Password = rabbit.Password,
                ClientProvidedName = "queue-depths",
            };
            if (_connection is not null) await _connection.DisposeAsync();
            _connection = await factory.CreateConnectionAsync(cancellationToken);
        }

        return _channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
    }

    async Task CloseAsync()
    {
        try
        {
            if (_connection is not null) await _connection.DisposeAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // already broken
        }

        (_connection, _channel) = (null, null);
    }

    public async ValueTask DisposeAsync() => await CloseAsync();
}
