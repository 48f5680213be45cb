using Microsoft.Extensions.AI;

namespace D2LLM.Storage.Embedded;

/// <summary>Options of an <see cref="EmbeddedVectorStore"/>.</summary>
public sealed class EmbeddedVectorStoreOptions
{
    /// <summary>The embedding generator every collection of the store uses unless its definition or vector property names another.</summary>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }
}
