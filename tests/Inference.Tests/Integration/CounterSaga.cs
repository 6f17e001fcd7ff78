using Inference.Sagas.Redis;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Integration;

// A saga small enough to count on: every Increment must show up in Count, every version it was loaded at in VersionsSeen.

public sealed record StartCounter(Guid CounterId);

public sealed record IncrementCounter(Guid CounterId);

public sealed record StopCounter(Guid CounterId);

public sealed record RemoveCounter(Guid CounterId);

/// <summary>Published once per counter that starts: a duplicate start must not publish it again.</summary>
public sealed record CounterStarted(Guid CounterId);

public sealed class CounterState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }
    public int Version { get; set; }
    public string CurrentState { get; set; } = "";
    public int Starts { get; set; }
    public int Count { get; set; }
    public List<int> VersionsSeen { get; set; } = [];
}

public sealed class CounterStateMachine : MassTransitStateMachine<CounterState>
{
    /// <summary>Stopped is finished (it expires); Final is where Remove leads, and a finalized saga is deleted.</summary>
    public static readonly string[] FinishedStates = [nameof(Stopped)];

    public CounterStateMachine(StartGate gate)
    {
        InstanceState(x => x.CurrentState);
        Event(() => Start, x => x.CorrelateById(m => m.Message.CounterId));
        Event(() => Increment, x => x.CorrelateById(m => m.Message.CounterId));
        Event(() => Stop, x => x.CorrelateById(m => m.Message.CounterId));
        Event(() => Remove, x => x.CorrelateById(m => m.Message.CounterId));

        Initially(
            When(Start)
                .ThenAsync(_ => gate.Arrive())
                .Then(context => context.Saga.Starts++)
                .Publish(context => new CounterStarted(context.Saga.CorrelationId))
                .TransitionTo(Counting),
            When(Increment)
                .Then(Count)
                .TransitionTo(Counting));

        During(Counting,
            Ignore(Start),
            When(Increment).Then(Count),
            When(Stop).TransitionTo(Stopped),
            When(Remove).Finalize());

        SetCompletedWhenFinalized();
    }

    public State Counting { get; private set; } = null!;
    public State Stopped { get; private set; } = null!;

    public Event<StartCounter> Start { get; private set; } = null!;
    public Event<IncrementCounter> Increment { get; private set; } = null!;
    public Event<StopCounter> Stop { get; private set; } = null!;
    public Event<RemoveCounter> Remove { get; private set; } = null!;

    static void Count(BehaviorContext<CounterState> context)
    {
        context.Saga.VersionsSeen.Add(context.Saga.Version);
        context.Saga.Count++;
    }
}

/// <summary>Holds the first <see cref="Expected"/> starts until all have arrived, so they race to create the same saga.</summary>
public sealed class StartGate
{
    readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _arrived;

    public int Expected { get; set; }

    public async Task Arrive()
    {
        var arrived = Interlocked.Increment(ref _arrived);
        if (arrived > Expected) return;
        if (arrived == Expected) _open.TrySetResult();
        await _open.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

/// <summary>The counter's endpoint as the product saga's is set up: many messages at once, conflicts retried quickly, an outbox.</summary>
public sealed class CounterStateDefinition : SagaDefinition<CounterState>
{
    readonly int _conflictRetryLimit;

    public CounterStateDefinition(IOptions<SagaRepositoryOptions> repository)
    {
        ConcurrentMessageLimit = 32;
        _conflictRetryLimit = repository.Value.ConflictRetryLimit;
    }

    protected override void ConfigureSaga(
        IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<CounterState> sagaConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(retry => retry.Interval(5, TimeSpan.FromMilliseconds(50)));
        endpointConfigurator.UseOptimisticConcurrency(context, _conflictRetryLimit);
    }
}
