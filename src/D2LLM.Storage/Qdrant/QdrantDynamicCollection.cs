using Microsoft.Extensions.VectorData;
using Qdrant.Client;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// A Qdrant collection whose records are dictionaries (property name → value), described by a
/// <see cref="VectorStoreCollectionDefinition"/> alone: VectorData's dynamic mapping. Keys are ulong or Guid, boxed.
/// </summary>
public sealed class QdrantDynamicCollection : QdrantCollection<object, Dictionary<string, object?>>
{
    /// <summary>A dynamic collection over <paramref name="client"/>; with <paramref name="ownsClient"/>, disposing it disposes the client.</summary>
    public QdrantDynamicCollection(QdrantClient client, string name, bool ownsClient, QdrantCollectionOptions options)
        : this(client, ownsClient, name, options, storeName: null)
    {
    }

    internal QdrantDynamicCollection(QdrantClient client, bool ownsClient, string name, QdrantCollectionOptions options, string? storeName)
        : base(client, ownsClient, name, o => new QdrantModelBuilder().BuildDynamic(o), options, storeName)
    {
    }
}
