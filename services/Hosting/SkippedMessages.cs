using System.Diagnostics.Metrics;
using System.Text.Json;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.Extensions.Logging;

namespace Inference.Hosting;

/// <summary>
/// A message no consumer of its queue takes (a type the queue does not handle, such as a wrong <c>messageType</c>) goes to the
/// queue's <c>_skipped</c> queue as MassTransit moves it, but never silently: each is logged with its id and types, and
/// counted by queue in <c>inference.messages.skipped</c> (meter <see cref="MeterName"/>).
/// </summary>
public static class SkippedMessages
{
    public const string MeterName = "Inference.Hosting";

    static readonly Meter Meter = new(MeterName);
    static readonly Counter<long> Skipped = Meter.CreateCounter<long>("inference.messages.skipped", "{message}",
        "Messages no consumer of their queue takes, moved to its _skipped queue");

    /// <summary>Logs and counts every message this endpoint moves to its <c>_skipped</c> queue.</summary>
    public static void ReportSkippedMessages(this IReceiveEndpointConfigurator endpoint) =>
        endpoint.ConfigureDeadLetter(deadLetter =>
        {
            deadLetter.UseFilter(new ReportFilter());
            deadLetter.UseFilter(new DeadLetterTransportFilter());
        });

    sealed class ReportFilter : IFilter<ReceiveContext>
    {
        ILogger? _logger;

        public Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
        {
            var queue = context.InputAddress.AbsolutePath.TrimEnd('/').Split('/')[^1];
            Skipped.Add(1, new KeyValuePair<string, object?>("queue", queue));
            var (messageId, types) = Read(context);
            _logger ??= LogContext.Current?.CreateLogContext(typeof(SkippedMessages).FullName!).Logger;
            _logger?.LogWarning("Message {MessageId} on {Queue} is of type(s) {MessageTypes}, which no consumer there takes: moved to {SkippedQueue}",
                messageId ?? "(no id)", queue, types, $"{queue}_skipped");
            return next.Send(context);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("reportSkipped");

        /// <summary>The message's id and the types its envelope names, read from the body: a skipped message was read as no type.</summary>
        static (string? MessageId, string Types) Read(ReceiveContext context)
        {
            var messageId = context.TransportHeaders.Get<string>("MessageId");
            if (context.ContentType?.MediaType is { } mediaType && mediaType != "application/vnd.masstransit+json")
                return (messageId, $"none named ({mediaType})");
            try
            {
                using var envelope = JsonDocument.Parse(context.Body.GetBytes());
                string? Property(string name) => envelope.RootElement.EnumerateObject()
                    .FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: not JsonValueKind.Undefined } p
                    ? p.Value.ToString()
                    : null;
                var types = envelope.RootElement.EnumerateObject().FirstOrDefault(p => p.Name.Equals("messageType", StringComparison.OrdinalIgnoreCase)).Value;
                return (messageId ?? Property("messageId"),
                    types.ValueKind == JsonValueKind.Array ? string.Join(", ", types.EnumerateArray().Select(t => t.ToString())) : "none named");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return (messageId, "unreadable");
            }
        }
    }
}
