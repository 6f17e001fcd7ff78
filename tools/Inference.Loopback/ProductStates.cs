using Inference.Sagas;
using Inference.Sagas.Redis;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Loopback;

/// <summary>Product sagas read from Redis as another process reads them (the Gateway's way): for the checks after a run.</summary>
public sealed class ProductStates : IAsyncDisposable
{
    readonly ServiceProvider _provider;

    /// <param name="redis">A StackExchange.Redis configuration string.</param>
    /// <param name="keyPrefix">The run's key prefix (<c>SagaRepository:Redis:KeyPrefix</c>).</param>
    public ProductStates(string redis, string keyPrefix)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SagaRepository:Kind"] = "Redis",
            ["SagaRepository:Redis:Configuration"] = redis,
            ["SagaRepository:Redis:KeyPrefix"] = keyPrefix,
        }).Build();
        var services = new ServiceCollection();
        services.AddMassTransit(bus => bus.AddSagaRepository<ProductState>().ConfiguredRepository(configuration));
        _provider = services.BuildServiceProvider();
        Repository = _provider.GetRequiredService<ILoadSagaRepository<ProductState>>();
    }

    public ILoadSagaRepository<ProductState> Repository { get; }

    /// <summary>The product's saga, or null when Redis holds none.</summary>
    public async Task<ProductState?> Load(Guid productId) => await Repository.Load(productId);

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
