using System.Security.Cryptography;
using System.Text;

namespace D2LLM.Storage;

/// <summary>
/// A record key as Qdrant accepts point ids: an unsigned integer or a UUID. A string key maps deterministically to a
/// UUID (version 5, SHA-1 of a fixed namespace and the UTF-8 string), so the same string always finds the same record
/// in every store.
/// </summary>
public readonly record struct VectorKey
{
    private static readonly byte[] Namespace = Guid.Parse("6f0b5c2e-3d1a-4c8e-9b7a-2d4e6f8a0c1b").ToByteArray(bigEndian: true);

    private VectorKey(ulong? number, Guid? uuid)
    {
        Number = number;
        Uuid = uuid;
    }

    public ulong? Number { get; }
    public Guid? Uuid { get; }

    public static VectorKey From(ulong number) => new(number, null);

    public static VectorKey From(Guid uuid) => new(null, uuid);

    /// <summary>A UUID string is that UUID; a string of digits is that number; any other string maps to its UUIDv5.</summary>
    public static VectorKey From(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (Guid.TryParse(key, out var guid)) return From(guid);
        if (key.All(char.IsAsciiDigit) && ulong.TryParse(key, out var n)) return From(n);
        var hash = SHA1.HashData(Namespace.Concat(Encoding.UTF8.GetBytes(key)).ToArray());
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return From(new Guid(hash.AsSpan(0, 16), bigEndian: true));
    }

    /// <summary>The canonical text: the number, or the UUID in its hyphenated lower-case form.</summary>
    public override string ToString() => Number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Uuid!.Value.ToString("D");
}
