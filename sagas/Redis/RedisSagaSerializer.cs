using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MassTransit;

namespace Inference.Sagas.Redis;

/// <summary>Saga state as compact UTF-8 JSON: no indentation, no nulls, no computed properties and no version.</summary>
/// <remarks>
/// The version lives in its own hash field, so the JSON of an unchanged saga is byte-for-byte what was loaded (which lets the
/// repository skip the write) and the two can never disagree. Leaving nulls out is lossless for state whose nullable properties
/// start out null, as sagas' do.
/// </remarks>
public static class RedisSagaSerializer<TSaga>
    where TSaga : class, ISagaVersion
{
    static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        IgnoreReadOnlyProperties = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LeaveOutVersion } },
    };

    public static byte[] Serialize(TSaga saga) => JsonSerializer.SerializeToUtf8Bytes(saga, Options);

    public static TSaga Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<TSaga>(json, Options)
        ?? throw new JsonException($"The stored {typeof(TSaga).Name} is the JSON literal null.");

    static void LeaveOutVersion(JsonTypeInfo info)
    {
        if (info.Type != typeof(TSaga)) return;
        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            if (info.Properties[i].Name == nameof(ISagaVersion.Version))
                info.Properties.RemoveAt(i);
        }
    }
}
