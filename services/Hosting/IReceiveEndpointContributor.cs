using MassTransit;

namespace Inference.Hosting;

/// <summary>Adds receive endpoints that one consumer definition cannot describe (one consumer on several queues).</summary>
public interface IReceiveEndpointContributor
{
    void Configure(IBusRegistrationContext context, IBusFactoryConfigurator bus);
}
