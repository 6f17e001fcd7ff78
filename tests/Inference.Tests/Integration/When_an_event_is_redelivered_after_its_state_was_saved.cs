using Inference.Contracts;
using Inference.Sagas;
using Inference.Tests.Sagas;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client;

namespace Inference.Tests.Integration;

/// <summary>
/// The gap between saving the state and sending the command, on the real broker and Redis: the Orchestrator's connection
/// drops right after the saga saved Extracting and before the outbox sent ExtractAttributes, as when its process dies. The
/// Orchestrator is started again (another process on the same queues); RabbitMQ hands it the unacknowledged
/// ProductClassified, marked redelivered; the saga, already in Extracting, sends ExtractAttributes again and the product
/// completes.
/// </summary>
[Category("Integration")]
public sealed class When_an_event_is_redelivered_after_its_state_was_saved : ProductSagaOnRedisScenario
{
    readonly Guid _product = Guid.NewGuid();
    readonly Guid _duplicated = Guid.NewGuid();
    readonly CrashAfterSave _crash;
    RabbitMqVirtualHost? _vhost;

    // One crash for both processes: the process started again must not crash on the redelivered event as well.
    public When_an_event_is_redelivered_after_its_state_was_saved() => _crash = new CrashAfterSave(_product);

    protected override async Task<RabbitMqVirtualHost?> BrokerAsync() => _vhost = await RabbitMqVirtualHost.CreateAsync("redelivery");

    // The redelivery alone sends the command again: no stage deadline may do it first on a slow machine.
    protected override IDictionary<string, string?> RepositorySettings() =>
        new Dictionary<string, string?>(base.RepositorySettings()) { ["StageTimeout:ResendAfter"] = "00:10:00" };

    protected override void ConfigureEndpoint(string name, IReceiveEndpointConfigurator endpoint)
    {
        if (name == QueueNames.ProductState)
            endpoint.ConnectSagaConfigurationObserver(_crash);
    }

    protected override async Task CleanUp()
    {
        await base.CleanUp();
        if (_vhost is not null) await _vhost.DisposeAsync();
    }

    protected override async Task Given()
    {
        await Receive(_product);
        await _crash.Happened.Task.WaitAsync(Harness.TestTimeout);
        await StartAnotherProcessAsync();
        await Receive(_duplicated);
        await InState(_duplicated, m => m.Completed);
        // Published twice as two messages (a duplicate, not a redelivery): nothing is sent again.
        await Harness.Bus.Publish(Script.Classified(_duplicated, "computers-accessories", 0.9));
        await InState(_product, m => m.Completed);
    }

    [Test]
    public void Should_have_dropped_the_connection_after_the_save() =>
        Assert.That(_crash.Crashed, Is.True);

    [Test]
    public async Task Should_complete_the_product_whose_command_was_never_sent()
    {
        var saga = await InState(_product, m => m.Completed);
        Assert.That(saga.Extractor, Is.EqualTo("computers-accessories"));
        Assert.That(Script.CallsTo("extract", _product), Is.EqualTo(1), "the first ExtractAttributes never left; the redelivery sent the one");
    }

    [Test]
    public async Task Should_send_nothing_again_for_a_duplicate_that_is_not_a_redelivery()
    {
        await Harness.InactivityTask;
        Assert.That(Script.CallsTo("extract", _duplicated), Is.EqualTo(1));
    }

    /// <summary>Lets the saga handle and save the first ProductClassified of one product, then closes the connection it came on and fails, before the outbox sends.</summary>
    sealed class CrashAfterSave(Guid productId) : ISagaConfigurationObserver, IFilter<ConsumeContext<ProductClassified>>
    {
        int _crashed;

        public bool Crashed => _crashed == 1;

        public TaskCompletionSource Happened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void StateMachineSagaConfigured<TInstance>(ISagaConfigurator<TInstance> configurator, SagaStateMachine<TInstance> stateMachine)
            where TInstance : class, ISaga, SagaStateMachineInstance =>
            configurator.Message<ProductClassified>(message => message.UseFilter(this));

        public async Task Send(ConsumeContext<ProductClassified> context, IPipe<ConsumeContext<ProductClassified>> next)
        {
            await next.Send(context);
            if (context.Message.ProductId != productId || Interlocked.Exchange(ref _crashed, 1) == 1) return;

            // The connection drops, as when the process dies: the broker takes the unacknowledged message back.
            if (!context.ReceiveContext.TryGetPayload<ChannelContext>(out var channel))
                throw new InvalidOperationException("no RabbitMQ channel behind this message");
            // Closed from another thread: closing waits for the consumers' callbacks, this one among them.
            // A dead process acknowledges nothing: the failure is raised only once the channel is down, so the endpoint's
            // retry cannot acknowledge the message on it before the broker takes it back.
            var connection = channel.ConnectionContext.Connection;
            _ = Task.Run(() => connection.CloseAsync());
            using (var down = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                while (channel.Channel.IsOpen) await Task.Delay(5, down.Token);
            Happened.TrySetResult();
            throw new InvalidOperationException("the connection dropped between the save and the send");
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("crash-after-save");

        public void SagaConfigured<TSaga>(ISagaConfigurator<TSaga> configurator) where TSaga : class, ISaga { }

        public void SagaMessageConfigured<TSaga, TMessage>(ISagaMessageConfigurator<TSaga, TMessage> configurator)
            where TSaga : class, ISaga where TMessage : class { }
    }
}
