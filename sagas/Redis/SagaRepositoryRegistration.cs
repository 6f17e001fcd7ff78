using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Inference.Sagas.Redis;

/// <summary>Picks a saga's repository from the <c>SagaRepository</c> section, for the process that runs the saga and for one that only reads it.</summary>
public static class SagaRepositoryRegistration
{
    /// <summary>
    /// Keeps <typeparamref name="TSaga"/> in memory or in Redis, as <c>SagaRepository:Kind</c> says. Call it on what
    /// <c>AddSagaStateMachine</c> returns (the process that runs the saga) or on <c>AddSagaRepository&lt;TSaga&gt;()</c>
    /// (a process that only loads sagas by id through <see cref="ILoadSagaRepository{TSaga}"/>).
    /// </summary>
    /// <param name="currentState">The saga's state name, to tell a finished saga (which gets an expiry) from one in flight.</param>
    /// <param name="states">Every state of the saga, so a misspelt finished state is refused at start-up.</param>
    /// <param name="defaultFinishedStates">The finished states when <c>SagaRepository:Redis:FinishedStates</c> names none.</param>
    /// <param name="faultedStates">The states of a saga that ended in failure, listed for operators to retry.</param>
    public static ISagaRegistrationConfigurator<TSaga> ConfiguredRepository<TSaga>(
        this ISagaRegistrationConfigurator<TSaga> saga,
        IConfiguration configuration,
        Func<TSaga, string?> currentState,
        IReadOnlyCollection<string>? states = null,
        IReadOnlyCollection<string>? defaultFinishedStates = null,
        IReadOnlyCollection<string>? faultedStates = null)
        where TSaga : class, ISagaVersion
    {
        var section = configuration.GetSection(SagaRepositoryOptions.Section);
        var kind = KindOf(section);
        return saga.Repository(services =>
        {
            services.AddOptions<SagaRepositoryOptions>().Bind(section).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SagaRepositoryOptions>>(new SagaRepositoryOptionsValidator(states)));
            if (kind == SagaRepositoryKind.Redis)
                services.AddRedisSagaRepository(currentState, states ?? [], defaultFinishedStates ?? [], faultedStates ?? []);
            else
                services.RegisterInMemorySagaRepository<TSaga>();
        });
    }

    static void AddRedisSagaRepository<TSaga>(
        this IServiceCollection services, Func<TSaga, string?> currentState, IReadOnlyCollection<string> states,
        IReadOnlyCollection<string> defaultFinishedStates, IReadOnlyCollection<string> faultedStates)
        where TSaga : class, ISagaVersion
    {
        // One multiplexer per process, shared by every saga type and by anything else that asks for IConnectionMultiplexer.
        services.TryAddSingleton<IConnectionMultiplexer>(provider => RedisConnection.Connect(
            provider.GetRequiredService<IOptions<SagaRepositoryOptions>>().Value.Redis.Configuration,
            (provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(typeof(RedisConnection).FullName!)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisConnectionStarter>());

        services.TryAddSingleton(provider =>
        {
            var redis = provider.GetRequiredService<IOptions<SagaRepositoryOptions>>().Value.Redis;
            var finished = (redis.FinishedStates.Count > 0 ? redis.FinishedStates : defaultFinishedStates).ToHashSet(StringComparer.Ordinal);
            var faulted = faultedStates.ToHashSet(StringComparer.Ordinal);
            return new RedisSagaSettings<TSaga>(redis.KeyPrefix, redis.FinishedExpiry,
                saga => currentState(saga) is { } state && finished.Contains(state),
                saga => currentState(saga) is { } state && faulted.Contains(state))
            {
                // Every state a saga can wait in; the state machine's own Initial and Final hold no saga in a repository.
                StateOf = currentState,
                CountedStates = states.Where(state => !finished.Contains(state) && state is not ("Initial" or "Final")).ToArray(),
            };
        });
        services.TryAddSingleton<RedisSagaStore<TSaga>>();

        services.RegisterLoadSagaRepository<TSaga, RedisSagaRepositoryContextFactory<TSaga>>();
        services.RegisterSagaRepository<TSaga, RedisSagaStore<TSaga>, SagaConsumeContextFactory<RedisSagaStore<TSaga>, TSaga>,
            RedisSagaRepositoryContextFactory<TSaga>>();
    }

    // Decided while registering (the two kinds register different services), so a bad Kind is refused here, by name.
    static SagaRepositoryKind KindOf(IConfigurationSection section)
    {
        var value = section[nameof(SagaRepositoryOptions.Kind)];
        if (string.IsNullOrWhiteSpace(value)) return SagaRepositoryKind.InMemory;
        if (Enum.TryParse<SagaRepositoryKind>(value, ignoreCase: true, out var kind) && Enum.IsDefined(kind) && !char.IsDigit(value.Trim()[0]))
            return kind;

        throw new OptionsValidationException(SagaRepositoryOptions.Section, typeof(SagaRepositoryOptions),
            [$"{SagaRepositoryOptions.Section}:Kind '{value}' is not one of {string.Join(", ", Enum.GetNames<SagaRepositoryKind>())}."]);
    }
}
