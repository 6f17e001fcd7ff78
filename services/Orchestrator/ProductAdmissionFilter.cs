using System.Diagnostics.Metrics;
using Inference.Contracts;
using Inference.Hosting;
using Inference.Sagas;
using MassTransit;
using MassTransit.Context;
using Microsoft.Extensions.Logging;

namespace Inference.Orchestrator;

/// <summary>
/// The saga's door for <see cref="ProductTextReceived"/> published on the bus, with the Gateway's rules
/// (<see cref="ProductTextRules"/>): a message the Gateway would refuse starts no run. It is logged with its message id and
/// fields, counted in <c>inference.products.rejected</c>, announced as <c>Fault&lt;ProductTextReceived&gt;</c>, and faulted without
/// retry, so it waits in <c>product-state_error</c> with the reason in its fault headers, where <c>/v1/pipeline</c> shows it.
/// A message without <c>receivedAt</c> was received now.
/// </summary>
public sealed class ProductAdmissionFilter(ProductTextRules rules, PipelineTally tally, TimeProvider clock, ILogger<ProductAdmissionFilter> logger)
    : IFilter<ConsumeContext<ProductTextReceived>>
{
    public const string MeterName = "Inference.Orchestrator";

    static readonly Meter Meter = new(MeterName);
    static readonly Counter<long> Rejected = Meter.CreateCounter<long>("inference.products.rejected", "{message}",
        "ProductTextReceived messages the saga's door refused, by the fields that broke a rule");

    public async Task Send(ConsumeContext<ProductTextReceived> context, IPipe<ConsumeContext<ProductTextReceived>> next)
    {
        var problems = rules.Check(context.Message);
        if (problems.Count > 0)
        {
            var fields = string.Join(",", problems.Select(p => p.Field));
            Rejected.Add(1, new KeyValuePair<string, object?>("fields", fields));
            tally.Record(PipelineTally.Rejected);
            logger.LogWarning("ProductTextReceived {MessageId} for product {ProductId} rejected at the bus door ({Fields}): {Problems}; it starts no run and is kept in {Queue}_error",
                context.MessageId, context.Message.ProductId, fields, string.Join("; ", problems), QueueNames.ProductState);
            var rejected = new ProductRejectedException(problems);
            // As a consumer's fault would: Fault<ProductTextReceived> is published, so a producer that listens learns why.
            await context.NotifyFaulted(TimeSpan.Zero, nameof(ProductAdmissionFilter), rejected);
            throw rejected;
        }

        tally.Record(PipelineTally.Received);
        var message = ProductTextRules.WithReceipt(context.Message, clock.GetUtcNow());
        await next.Send(ReferenceEquals(message, context.Message) ? context : new MessageConsumeContext<ProductTextReceived>(context, message));
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("productAdmission");
}

/// <summary>A <see cref="ProductTextReceived"/> that breaks the door's rules: goes to <c>_error</c> at once, retrying mends nothing.</summary>
public sealed class ProductRejectedException(IReadOnlyList<FieldProblem> problems)
    : PermanentFailureException($"ProductTextReceived rejected: {string.Join("; ", problems)}")
{
    public IReadOnlyList<FieldProblem> Problems { get; } = problems;
}
