using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Inference.Sagas.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Inference.Gateway.Products;

/// <summary>What a POST with an <c>Idempotency-Key</c> was answered with: its products' ids, and a hash of what it posted.</summary>
public sealed record IdempotentRequest(string Hash, IReadOnlyList<Guid> Ids)
{
    /// <summary>The hash of the products posted (ids, sources, texts), so a retry is told from a different request under the same key.</summary>
    public static string HashOf(IEnumerable<ProductSubmission> products)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in products)
            sha.AppendData(Encoding.UTF8.GetBytes($"{p.Id}\u001f{p.Source}\u001f{p.SourceId}\u001f{p.Text}\u001e"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>
/// The <c>Idempotency-Key</c>s seen within <c>Gateway:IdempotencyWindow</c>: a POST repeated with one (a client's retry after
/// a lost answer) gets the products the first made, not new ones.
/// </summary>
public interface IIdempotencyKeys
{
    /// <summary>Keeps <paramref name="request"/> under <paramref name="key"/> for <paramref name="window"/> unless one is kept there already; returns the one kept.</summary>
    Task<IdempotentRequest> RememberAsync(string key, IdempotentRequest request, TimeSpan window);

    /// <summary>The key under which a caller's <c>Idempotency-Key</c> is kept: scoped to the API key presented, so two callers never share one.</summary>
    static string Scope(string? apiKey, string idempotencyKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{apiKey}\n{idempotencyKey}")));
}

/// <summary>In Redis, beside the product states, so every gateway replica answers a repeated POST the same way.</summary>
public sealed class RedisIdempotencyKeys(IConnectionMultiplexer redis, IOptions<SagaRepositoryOptions> repository) : IIdempotencyKeys
{
    // Set unless present, then read whatever is there: one answer per key, however many replicas race.
    const string Remember = """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return ARGV[1]
        end
        return redis.call('GET', KEYS[1])
        """;

    public async Task<IdempotentRequest> RememberAsync(string key, IdempotentRequest request, TimeSpan window)
    {
        var kept = (string?)await redis.GetDatabase().ScriptEvaluateAsync(Remember,
            [$"{repository.Value.Redis.KeyPrefix}idempotency:{key}"],
            [JsonSerializer.Serialize(request), (long)window.TotalMilliseconds]);
        return JsonSerializer.Deserialize<IdempotentRequest>(kept!)!;
    }
}

/// <summary>In this process (the saga repository is in memory too: one gateway).</summary>
public sealed class InMemoryIdempotencyKeys(TimeProvider clock) : IIdempotencyKeys
{
    readonly Dictionary<string, (IdempotentRequest Request, DateTimeOffset Until)> _kept = [];

    public Task<IdempotentRequest> RememberAsync(string key, IdempotentRequest request, TimeSpan window)
    {
        var now = clock.GetUtcNow();
        lock (_kept)
        {
            foreach (var expired in _kept.Where(k => k.Value.Until <= now).Select(k => k.Key).ToArray()) _kept.Remove(expired);
            if (!_kept.TryGetValue(key, out var kept)) _kept[key] = kept = (request, now + window);
            return Task.FromResult(kept.Request);
        }
    }
}
