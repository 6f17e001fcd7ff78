using Inference.Sagas;
using Inference.Sagas.Redis;
using MassTransit;

namespace Inference.Gateway;

/// <summary>The saga repository the Gateway reads product states from, registered without the saga (the Orchestrator runs that).</summary>
public static class ProductStateRepository
{
    public static IBusRegistrationConfigurator AddProductStateRepository(this IBusRegistrationConfigurator bus, IConfiguration configuration)
    {
        // InMemory or Redis from the "SagaRepository" section, as the Orchestrator picks it: in memory the Gateway sees only sagas
        // of its own process (the tests share one with the Orchestrator); in Redis it loads what any Orchestrator pod wrote.
        bus.AddSagaRepository<ProductState>().ConfiguredRepository(configuration);
        return bus;
    }
}
