using System.Security.Cryptography;
using System.Text;

namespace Inference.Sagas;

/// <summary>What tells one text of a product from another: the same text again is a duplicate, a different one a new revision.</summary>
public static class ProductText
{
    /// <summary>The SHA-256 of the text's UTF-8 bytes, in lower-case hex. A missing text (a message no Gateway would let through) hashes as empty, so the saga still takes it and the stage that cannot read it faults it.</summary>
    public static string Hash(string? text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text ?? "")));
}
