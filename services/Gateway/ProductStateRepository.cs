using Inference.Sagas;
using MassTransit;

namespace Inference.Gateway;

/// <summary>The saga repository the Gateway reads product states from, registered without the saga (the Orchestrator runs that).</summary>
public static class ProductStateRepository
{
    public static IBusRegistrationConfigurator AddProductStateRepository(this IBusRegistrationConfigurator bus, IConfiguration configuration)
    {
        var repository = bus.AddSagaRepository<ProductState>();

        // THE SEAM (one line): the Redis repository's branch brings an extension on ISagaRegistrationConfigurator<ProductState>
        // that picks InMemory or Redis from the "SagaRepository" section; when it is merged, call it here with `configuration`.
        // Until then the repository is in memory, which shows only sagas of this process (the tests share one with the Orchestrator).
        repository.InMemoryRepository();

        return bus;
    }
}
