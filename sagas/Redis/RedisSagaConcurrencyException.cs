using MassTransit;

namespace Inference.Sagas.Redis;

/// <summary>
/// Another message changed (or removed) the saga between this message's load and its save; the message is retried and sees the new state.
/// A <see cref="ConcurrencyException"/>, so MassTransit passes it up unwrapped and a retry policy can select it.
/// </summary>
public sealed class RedisSagaConcurrencyException(string message, Type sagaType, Guid correlationId)
    : ConcurrencyException(message, sagaType, correlationId);
