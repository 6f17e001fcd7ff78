using Spectre.Console;

namespace Inference.Cli.Operations;

/// <summary><c>inference redrive &lt;queue&gt;…</c>: moves each queue's <c>_error</c> messages back to it on a running deployment's broker.</summary>
public sealed class RedriveCommand(Uri broker, IAnsiConsole console, IAnsiConsole errors)
{
    /// <summary>The address in <c>INFERENCE_RABBITMQ</c> (what <c>scripts/infra/env.sh</c> exports), or a local broker's.</summary>
    public static string DefaultBroker => Environment.GetEnvironmentVariable("INFERENCE_RABBITMQ") ?? "amqp://guest:guest@127.0.0.1:5672/";

    public async Task<int> ExecuteAsync(IReadOnlyList<string> queues, int? limit, CancellationToken cancellationToken)
    {
        var redrive = new ErrorQueueRedrive(broker);
        var failed = false;
        foreach (var queue in queues)
        {
            try
            {
                var result = await redrive.MoveBackAsync(queue, limit, cancellationToken);
                console.MarkupLineInterpolated(
                    $"{queue}: {result.Moved:N0} of {result.Waiting:N0} message(s) moved back from {queue}{ErrorQueueRedrive.ErrorSuffix}; {result.Left:N0} left there");
            }
            catch (Exception e) when (e is RedriveException or RabbitMQ.Client.Exceptions.BrokerUnreachableException)
            {
                errors.MarkupLineInterpolated($"[red]error:[/] {queue}: {e.Message}");
                failed = true;
            }
        }

        return failed ? 1 : 0;
    }
}
