using Microsoft.Extensions.VectorData;

namespace D2LLM.Storage.Embedded;

/// <summary>Options of an <see cref="EmbeddedCollection{TKey, TRecord}"/>: the record definition and the embedding generator (VectorData's).</summary>
public sealed class EmbeddedCollectionOptions : VectorStoreCollectionOptions
{
}
