using Inference.Contracts;
using Inference.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Store;

/// <summary>The store listens on the <c>store</c> queue.</summary>
public sealed class StoreProductConsumerDefinition(IOptions<QueueOptions> options)
    : QueueConsumerDefinition<StoreProductConsumer>(QueueNames.Store, options);
