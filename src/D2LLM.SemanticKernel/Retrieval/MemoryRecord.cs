using D2LLM.Storage;
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

    /// <summary>The key of an id: <see cref="StableKeys.FromId"/> (the id's UUID, or its version-5 UUID), so the same id always finds the same record.</summary>
    public static Guid KeyOf(string id) => StableKeys.FromId(id);
}
