using Inference.Hosting;
using Inference.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Inference.Extractor;

/// <summary>One receive endpoint per served extractor, all consumed by <see cref="ExtractAttributesConsumer"/>.</summary>
public sealed class ExtractorEndpoints(IOptions<ExtractorOptions> extractor, IOptions<QueueOptions> queues) : IReceiveEndpointContributor
{
    public void Configure(IBusRegistrationContext context, IBusFactoryConfigurator bus)
    {
        foreach (var name in extractor.Value.Serve)
        {
            var queue = QueueNames.Extract(name);
            bus.ReceiveEndpoint(queue, endpoint =>
            {
                endpoint.Apply(queues.Value.For(queue));
                endpoint.ConfigureConsumer<ExtractAttributesConsumer>(context);
            });
        }
    }
}
