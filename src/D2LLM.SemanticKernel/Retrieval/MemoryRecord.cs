using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.VectorData;
using Microsoft.SemanticKernel.Data;

namespace D2LLM.SemanticKernel;

/// <summary>
/// The record the memory tools, <c>d2llm index</c> and the quickstart store: a text under a caller's id. The key is a
/// Guid made from the id (<see cref="KeyOf"/>), so the same id always replaces the same record, in the embedded store and
/// in Qdrant alike (whose point ids are Guids or integers). The vector's size is the model's, so the collection takes
/// its <see cref="Definition"/>. Storage names are lower-case ("id", "text", "embedding"); documents indexed from files
/// may carry further data fields, which this type ignores.
/// </summary>
public sealed class MemoryRecord
{
    [VectorStoreKey]
    public Guid Key { get; set; }

    [VectorStoreData(IsIndexed = true, StorageName = "id")]
    [TextSearchResultName]
    public string Id { get; set; } = "";

    [VectorStoreData(IsFullTextIndexed = true, StorageName = "text")]
    [TextSearchResultValue]
    public string Text { get; set; } = "";

    public ReadOnlyMemory<float> Embedding { get; set; }

    private static readonly byte[] Namespace = Guid.Parse("6f0b5c2e-3d1a-4c8e-9b7a-2d4e6f8a0c1b").ToByteArray(bigEndian: true);

    /// <summary>The definition of a memory collection whose vectors have <paramref name="dimensions"/> components.</summary>
    public static VectorStoreCollectionDefinition Definition(int dimensions, string distanceFunction = DistanceFunction.CosineSimilarity) => new()
    {
        Properties = new List<VectorStoreProperty>
        {
            new VectorStoreKeyProperty(nameof(Key), typeof(Guid)),
            new VectorStoreDataProperty(nameof(Id), typeof(string)) { IsIndexed = true, StorageName = "id" },
            new VectorStoreDataProperty(nameof(Text), typeof(string)) { IsFullTextIndexed = true, StorageName = "text" },
            new VectorStoreVectorProperty(nameof(Embedding), typeof(ReadOnlyMemory<float>), dimensions) { StorageName = "embedding", DistanceFunction = distanceFunction },
        },
    };

    /// <summary>
    /// The key of an id: a UUID string is that UUID; any other string maps to its version-5 UUID (SHA-1 of a fixed
    /// namespace and the UTF-8 id), so the same id always finds the same record.
    /// </summary>
    public static Guid KeyOf(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (Guid.TryParse(id, out var guid)) return guid;
        var hash = SHA1.HashData(Namespace.Concat(Encoding.UTF8.GetBytes(id)).ToArray());
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
