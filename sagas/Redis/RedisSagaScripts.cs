namespace Inference.Sagas.Redis;

/// <summary>
/// The Lua scripts that make each write one atomic step on the saga's hash (field <c>v</c> = version, <c>d</c> = JSON) and on
/// the in-flight index (KEYS[2], a sorted set of sagas not yet finished). Redis runs a script without interleaving another
/// command, so compare-and-write needs no lock and can leave none behind, and a saga is never in flight without being in the
/// index: a crash between two commands cannot hide it from the stage deadline monitor. (Every key must then live on one
/// Redis node; on Redis Cluster put the key prefix in a hash tag, e.g. <c>{inference}:saga:</c>.) The faulted index (KEYS[3])
/// is kept the same way; its entries older than the finished expiry (sagas gone by now) are trimmed on each faulted write.
/// KEYS[4..] are the per-state sets (<see cref="RedisSagaSettings{TSaga}.CountedStates"/>): a saga is in the set of its state
/// and in no other.
/// </summary>
static class RedisSagaScripts
{
    // ARGV[3]: the time to score the saga with in the index (ms since the epoch), or '' to take it out (finished);
    // ARGV[slot]: which of KEYS[4..] is the set of its new state (1-based), 0 for none.
    static string Index(int slot) => """
        if ARGV[3] == '' then
          redis.call('ZREM', KEYS[2], ARGV[4])
        else
          redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        end
        for i = 4, #KEYS do
          redis.call('SREM', KEYS[i], ARGV[4])
        end
        """ + $"""

        local slot = tonumber(ARGV[{slot}])
        """ + """

        if slot > 0 then
          redis.call('SADD', KEYS[3 + slot], ARGV[4])
        end
        """;

    // ARGV[n]: the time to score the saga with in the faulted index, or '' to keep it out.
    static string FaultedIndex(int n) => $$"""
        if ARGV[{{n}}] == '' then
          redis.call('ZREM', KEYS[3], ARGV[4])
        else
          redis.call('ZADD', KEYS[3], ARGV[{{n}}], ARGV[4])
          if ARGV[2] ~= '0' then
            redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (tonumber(ARGV[{{n}}]) - tonumber(ARGV[2])))
          end
        end
        """;

    /// <summary>
    /// KEYS[1] the saga, KEYS[2] the index, KEYS[3] the faulted index, KEYS[4..] the state sets; ARGV[1] its JSON; ARGV[2] expiry
    /// in ms, 0 for none; ARGV[3] index score or ''; ARGV[4] its id; ARGV[5] faulted score or ''; ARGV[6] its state set's slot.
    /// 1 when created, 0 when it already existed.
    /// </summary>
    public static readonly string Create = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          return 0
        end
        redis.call('HSET', KEYS[1], 'v', 1, 'd', ARGV[1])
        if ARGV[2] ~= '0' then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        """ + "\n" + Index(6) + "\n" + FaultedIndex(5) + "\n" + """
        return 1
        """;

    /// <summary>
    /// KEYS[1] the saga, KEYS[2] the index, KEYS[3] the faulted index, KEYS[4..] the state sets; ARGV[1] its new JSON; ARGV[2]
    /// expiry in ms, 0 to keep it forever; ARGV[3] index score or ''; ARGV[4] its id; ARGV[5] the version it was loaded at;
    /// ARGV[6] faulted score or ''; ARGV[7] its state set's slot. 0 when written (the version is now ARGV[5] + 1), -1 when the
    /// saga is gone, otherwise the version found instead.
    /// </summary>
    public static readonly string Update = """
        local current = redis.call('HGET', KEYS[1], 'v')
        if not current then
          return -1
        end
        if current ~= ARGV[5] then
          return tonumber(current)
        end
        redis.call('HSET', KEYS[1], 'v', tonumber(current) + 1, 'd', ARGV[1])
        if ARGV[2] == '0' then
          redis.call('PERSIST', KEYS[1])
        else
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        """ + "\n" + Index(7) + "\n" + FaultedIndex(6) + "\n" + """
        return 0
        """;

    /// <summary>
    /// KEYS[1] the saga, KEYS[2] the index, KEYS[3] the faulted index, KEYS[4..] the state sets; ARGV[1] the version it was
    /// loaded at; ARGV[2] its id. 0 when deleted, -1 when already gone (its entries are cleared all the same), otherwise the
    /// version found.
    /// </summary>
    public const string Delete = """
        local current = redis.call('HGET', KEYS[1], 'v')
        if current and current ~= ARGV[1] then
          return tonumber(current)
        end
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[2])
        redis.call('ZREM', KEYS[3], ARGV[2])
        for i = 4, #KEYS do
          redis.call('SREM', KEYS[i], ARGV[2])
        end
        if not current then
          return -1
        end
        return 0
        """;
}
