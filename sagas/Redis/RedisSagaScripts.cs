namespace Inference.Sagas.Redis;

/// <summary>
/// The Lua scripts that make each write one atomic step on the saga's hash (field <c>v</c> = version, <c>d</c> = JSON).
/// Redis runs a script without interleaving another command, so compare-and-write needs no lock and can leave none behind.
/// </summary>
static class RedisSagaScripts
{
    /// <summary>KEYS[1] the saga; ARGV[1] its JSON; ARGV[2] expiry in ms, 0 for none. 1 when created, 0 when it already existed.</summary>
    public const string Create = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          return 0
        end
        redis.call('HSET', KEYS[1], 'v', 1, 'd', ARGV[1])
        if ARGV[2] ~= '0' then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 1
        """;

    /// <summary>
    /// KEYS[1] the saga; ARGV[1] the version it was loaded at; ARGV[2] its new JSON; ARGV[3] expiry in ms, 0 to keep it forever.
    /// 0 when written (the version is now ARGV[1] + 1), -1 when the saga is gone, otherwise the version found instead.
    /// </summary>
    public const string Update = """
        local current = redis.call('HGET', KEYS[1], 'v')
        if not current then
          return -1
        end
        if current ~= ARGV[1] then
          return tonumber(current)
        end
        redis.call('HSET', KEYS[1], 'v', tonumber(current) + 1, 'd', ARGV[2])
        if ARGV[3] == '0' then
          redis.call('PERSIST', KEYS[1])
        else
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
        end
        return 0
        """;

    /// <summary>KEYS[1] the saga; ARGV[1] the version it was loaded at. 0 when deleted, -1 when already gone, otherwise the version found.</summary>
    public const string Delete = """
        local current = redis.call('HGET', KEYS[1], 'v')
        if not current then
          return -1
        end
        if current ~= ARGV[1] then
          return tonumber(current)
        end
        redis.call('DEL', KEYS[1])
        return 0
        """;
}
