using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Inference.Cli.Operations;

/// <summary>
/// Moves the messages MassTransit dead-lettered in <c>&lt;queue&gt;_error</c> back to <c>&lt;queue&gt;</c>, to be consumed again.
/// Each message is published (persistent, mandatory, confirmed by the broker) before it is acknowledged on the error queue,
/// so none is lost: a crash in between moves that one twice, which the pipeline's idempotent consumers and saga take as a
/// duplicate. Only the messages there when the move starts are moved, so one that fails again meanwhile is not moved round
/// and round. The fault headers MassTransit added go; everything else (ids, body, conversation) stays.
/// </summary>
public sealed class ErrorQueueRedrive(Uri broker)
{
    public const string ErrorSuffix = "_error";

    /// <summary>Moves at most <paramref name="limit"/> messages (all there are when null); returns how many moved.</summary>
    public async Task<RedriveResult> MoveBackAsync(string queue, int? limit, CancellationToken cancellationToken)
    {
        if (queue.EndsWith(ErrorSuffix, StringComparison.Ordinal))
            throw new RedriveException($"'{queue}' is an error queue: name the queue its messages go back to ('{queue[..^ErrorSuffix.Length]}').");

        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "inference-redrive" };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        var errorQueue = queue + ErrorSuffix;
        var waiting = await CountAsync(connection, errorQueue, cancellationToken)
                      ?? throw new RedriveException($"There is no queue '{errorQueue}' on {Describe(broker)}: nothing of '{queue}' has faulted there.");
        if (await CountAsync(connection, queue, cancellationToken) is null)
            throw new RedriveException($"There is no queue '{queue}' on {Describe(broker)} to move the messages back to.");

        var toMove = limit is { } most ? Math.Min(most, waiting) : waiting;
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        var moved = 0L;
        while (moved < toMove)
        {
            var message = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken);
            if (message is null) break;
            var properties = new BasicProperties(message.BasicProperties)
            {
                Persistent = true,
                Headers = message.BasicProperties.Headers?
                    .Where(h => !IsFaultHeader(h.Key))
                    .ToDictionary(h => h.Key, h => h.Value),
            };
            try
            {
                // The default exchange routes by queue name; mandatory, so a queue deleted meanwhile returns the message instead of dropping it.
                await channel.BasicPublishAsync("", queue, mandatory: true, properties, message.Body, cancellationToken);
            }
            catch (PublishException e)
            {
                await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true, cancellationToken);
                throw new RedriveException($"The broker did not take a message back into '{queue}' ({e.Message}); it stays in '{errorQueue}'. {moved} moved before it.");
            }

            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
            moved++;
        }

        return new RedriveResult(queue, waiting, moved, await CountAsync(connection, errorQueue, cancellationToken) ?? 0);
    }

    /// <summary>Messages waiting in <c>&lt;queue&gt;_error</c>; null when there is no such queue.</summary>
    public async Task<long?> WaitingAsync(string queue, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "inference-redrive" };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        return await CountAsync(connection, queue + ErrorSuffix, cancellationToken);
    }

    /// <summary>Headers MassTransit's error transport added to say why and where the message faulted.</summary>
    static bool IsFaultHeader(string name) =>
        name.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase) || name.Equals("MT-Reason", StringComparison.OrdinalIgnoreCase);

    /// <summary>Messages ready in the queue; null when there is no such queue. A channel of its own: a missing queue closes it.</summary>
    static async Task<long?> CountAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    /// <summary>The broker's address without its password.</summary>
    public static string Describe(Uri broker) => $"{broker.Scheme}://{broker.Host}:{broker.Port}{broker.AbsolutePath}";
}

/// <summary>What a redrive did: how many messages waited in the error queue, how many moved back, how many are left there.</summary>
public sealed record RedriveResult(string Queue, long Waiting, long Moved, long Left);

/// <summary>A redrive that could not be done, with what to do instead.</summary>
public sealed class RedriveException(string message) : Exception(message);
