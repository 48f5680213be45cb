namespace D2LLM.Storage;

/// <summary>
/// A named collection of records with vectors of one size, mirroring Microsoft.Extensions.VectorData's
/// VectorStoreCollection (ensure / delete, batched upsert, get, delete, search) so a later swap is mechanical.
/// </summary>
public interface IVectorCollection
{
    string Name { get; }
    CollectionOptions Options { get; }

    /// <summary>Creates the collection when missing; fails when it exists with another size or distance.</summary>
    Task EnsureAsync(CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(CancellationToken cancellationToken = default);

    Task DeleteCollectionAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces records (by key); acknowledged records are durable when the task completes.</summary>
    Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<VectorRecord>> GetAsync(IReadOnlyList<VectorKey> keys, bool includeVectors = false, CancellationToken cancellationToken = default);

    Task DeleteAsync(IReadOnlyList<VectorKey> keys, CancellationToken cancellationToken = default);

    Task DeleteAsync(VectorFilter filter, CancellationToken cancellationToken = default);

    Task<long> CountAsync(VectorFilter? filter = null, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<VectorSearchHit>> SearchAsync(float[] vector, VectorSearchOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>A store holding collections: the embedded file, or a Qdrant server.</summary>
public interface IVectorStore : IDisposable
{
    IVectorCollection GetCollection(string name, CollectionOptions options);

    Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken = default);
}
