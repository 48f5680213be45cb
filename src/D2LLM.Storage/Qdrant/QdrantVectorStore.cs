using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.VectorData;
using Polly;
using Qdrant.Client;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// A Qdrant server as a VectorData <see cref="VectorStore"/>, through the official gRPC client. Collections follow the
/// CommunityToolkit Qdrant connector's point layout (see <see cref="QdrantCollection{TKey, TRecord}"/>), so data written
/// here and by an SK application using that connector is one and the same.
/// </summary>
public sealed class QdrantVectorStore : VectorStore
{
    private readonly QdrantClient _client;
    private readonly bool _ownsClient;
    private readonly QdrantVectorStoreOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly VectorStoreMetadata _metadata;

    /// <summary>A store over <paramref name="client"/>; with <paramref name="ownsClient"/>, disposing the store disposes the client.</summary>
    public QdrantVectorStore(QdrantClient client, bool ownsClient, QdrantVectorStoreOptions? options = null)
        : this(client, ownsClient, options, storeName: null)
    {
    }

    /// <summary>A store over a connection (endpoint, API key, TLS, call deadline), owning the client it makes.</summary>
    public QdrantVectorStore(QdrantConnection connection, QdrantVectorStoreOptions? options = null)
        : this(connection.CreateClient(), ownsClient: true, options, connection.Endpoint.ToString())
    {
    }

    private QdrantVectorStore(QdrantClient client, bool ownsClient, QdrantVectorStoreOptions? options, string? storeName)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _ownsClient = ownsClient;
        _options = options ?? new QdrantVectorStoreOptions();
        _retry = QdrantCalls.Retry(_options.Retry);
        _metadata = new VectorStoreMetadata { VectorStoreSystemName = QdrantCollection<Guid, object>.SystemName, VectorStoreName = storeName };
    }

    [RequiresDynamicCode("Record mapping by reflection is incompatible with NativeAOT; use GetDynamicCollection.")]
    [RequiresUnreferencedCode("Record mapping by reflection is incompatible with trimming; use GetDynamicCollection.")]
    public override QdrantCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null) =>
        new(_client, ownsClient: false, name, o => QdrantCollection<TKey, TRecord>.BuildModel(o), Options(definition), _metadata.VectorStoreName);

    public override QdrantDynamicCollection GetDynamicCollection(string name, VectorStoreCollectionDefinition definition) =>
        new(_client, ownsClient: false, name, Options(definition ?? throw new ArgumentNullException(nameof(definition))), _metadata.VectorStoreName);

    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var name in await Run("ListCollectionNames", ct => _client.ListCollectionsAsync(ct), cancellationToken).ConfigureAwait(false)) yield return name;
    }

    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default) =>
        Run("CollectionExists", ct => _client.CollectionExistsAsync(name, ct), cancellationToken);

    public override async Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!await CollectionExistsAsync(name, cancellationToken).ConfigureAwait(false)) return;
        await Run("EnsureCollectionDeleted", async ct =>
        {
            await _client.DeleteCollectionAsync(name, cancellationToken: ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public override object? GetService(Type serviceType, object? serviceKey = null) => Mapping.ServiceLookup.Find(serviceType, serviceKey, _metadata, _client, this);

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsClient) _client.Dispose();
        base.Dispose(disposing);
    }

    private QdrantCollectionOptions Options(VectorStoreCollectionDefinition? definition) => new()
    {
        Definition = definition, EmbeddingGenerator = _options.EmbeddingGenerator, AlwaysNamedVectors = _options.AlwaysNamedVectors, Retry = _options.Retry,
    };

    private Task<T> Run<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        QdrantCalls.RunAsync(_retry, call, (message, e) => new VectorStoreException($"qdrant: {operation} failed: {message}", e)
        {
            VectorStoreSystemName = _metadata.VectorStoreSystemName, VectorStoreName = _metadata.VectorStoreName, OperationName = operation,
        }, cancellationToken);
}
