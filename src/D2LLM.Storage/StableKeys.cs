using System.Security.Cryptography;
using System.Text;

namespace D2LLM.Storage;

/// <summary>
/// Guid keys made from string ids, the same in every store and every run: a UUID string is that UUID; any other string
/// maps to its version-5 UUID (SHA-1 of a fixed namespace and the UTF-8 id). Qdrant's point ids are Guids or integers,
/// so an application's own string ids reach it this way.
/// </summary>
public static class StableKeys
{
    private static readonly byte[] Namespace = Guid.Parse("6f0b5c2e-3d1a-4c8e-9b7a-2d4e6f8a0c1b").ToByteArray(bigEndian: true);

    public static Guid FromId(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (Guid.TryParse(id, out var guid)) return guid;
        var hash = SHA1.HashData(Namespace.Concat(Encoding.UTF8.GetBytes(id)).ToArray());
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
