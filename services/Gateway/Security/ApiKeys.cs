using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Security;

/// <summary>The configured API keys, matched in constant time: neither a key's content nor its length shows in the time taken.</summary>
public sealed class ApiKeys
{
    // Digests, not the keys: comparing fixed-length digests keeps the key lengths out of the timing.
    readonly byte[][] _digests;

    public ApiKeys(IOptions<GatewayOptions> options) =>
        _digests = options.Value.ApiKeys.Select(key => Digest(key.Trim())).ToArray();

    public bool Any => _digests.Length > 0;

    /// <summary>The index of the key presented among the configured ones, or -1; every key is compared, whatever matched first.</summary>
    public int Match(string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return -1;
        var digest = Digest(presented.Trim());
        var found = -1;
        for (var i = 0; i < _digests.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, _digests[i]) && found < 0)
                found = i;
        }

        return found;
    }

    static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
