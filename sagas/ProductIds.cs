using System.Security.Cryptography;
using System.Text;

namespace Inference.Sagas;

/// <summary>A stable ProductId for a (source, id) pair, so running a file twice touches the same products (RFC 4122 name-based, SHA-1).</summary>
public static class ProductIds
{
    static readonly Guid Namespace = new("6f1c3b8e-5d0a-4b1e-9a67-2f8e4c1d9b30");

    public static Guid For(string source, string id)
    {
        var name = Encoding.UTF8.GetBytes($"{source}\n{id}");
        var input = new byte[16 + name.Length];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        name.CopyTo(input, 16);
        var hash = SHA1.HashData(input);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
