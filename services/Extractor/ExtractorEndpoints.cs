using Inference.Hosting;
using Inference.Contracts;
using MassTransit;
using Inference.Models;
using Microsoft.Extensions.Options;

namespace Inference.Extractor;

/// <summary>One receive endpoint per served extractor, all consumed by <see cref="ExtractAttributesConsumer"/>.</summary>
public sealed class ExtractorEndpoints(IOptions<ExtractorOptions> extractor, IOptions<QueueOptions> queues, ExtractorCatalog catalog) : IReceiveEndpointContributor
{
    public void Configure(IBusRegistrationContext context, IBusFactoryConfigurator bus)
    {
        foreach (var name in extractor.Value.Serve)
        {
            catalog.Get(name); // the models load as the bus starts: a missing or altered one stops the service here
            var queue = QueueNames.Extract(name);
            bus.ReceiveEndpoint(queue, endpoint =>
            {
                endpoint.Apply(queues.Value.For(queue));
                endpoint.AcceptProductBatches<ExtractAttributes>();
                endpoint.ConfigureConsumer<ExtractAttributesConsumer>(context);
            });
        }
    }
}
