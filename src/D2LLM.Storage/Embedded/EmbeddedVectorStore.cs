using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace D2LLM.Storage.Embedded;

/// <summary>
/// The default store as a VectorData <see cref="VectorStore"/>: one SQLite file holding every collection (WAL journal,
/// full sync: an acknowledged upsert survives a killed process), each loaded into memory on first use for exact SIMD
/// search. Several processes may open the same file. A file of another format fails at once with a one-line error
/// naming it. See <see cref="EmbeddedCollection{TKey, TRecord}"/> for the collections' behaviour.
/// </summary>
public sealed class EmbeddedVectorStore : VectorStore
{
    private readonly StoreFile _file;
    private readonly EmbeddedVectorStoreOptions _options;
    private readonly VectorStoreMetadata _metadata;

    /// <summary>Opens the store file at <paramref name="path"/>, creating it (and its folder) when missing.</summary>
    public EmbeddedVectorStore(string path, EmbeddedVectorStoreOptions? options = null)
    {
        _file = new StoreFile(path);
        _options = options ?? new EmbeddedVectorStoreOptions();
        _metadata = new VectorStoreMetadata { VectorStoreSystemName = EmbeddedCollection<string, object>.SystemName, VectorStoreName = path };
    }

    /// <summary>The store file.</summary>
    public string Path => _file.Path;

    [RequiresDynamicCode("Record mapping by reflection is incompatible with NativeAOT; use GetDynamicCollection.")]
    [RequiresUnreferencedCode("Record mapping by reflection is incompatible with trimming; use GetDynamicCollection.")]
    public override EmbeddedCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null) =>
        new(_file, ownsFile: false, name, o => EmbeddedCollection<TKey, TRecord>.BuildModel(o), Options(definition));

    public override EmbeddedDynamicCollection GetDynamicCollection(string name, VectorStoreCollectionDefinition definition) =>
        new(_file, ownsFile: false, name, Options(definition ?? throw new ArgumentNullException(nameof(definition))));

    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var name in await Task.FromResult(Run("ListCollectionNames", _file.Names))) yield return name;
    }

    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(Run("CollectionExists", () => _file.Schema(name) is not null));

    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(Run("EnsureCollectionDeleted", () =>
    {
        _file.Drop(name);
        return 0;
    }));

    public override object? GetService(Type serviceType, object? serviceKey = null) => Mapping.ServiceLookup.Find(serviceType, serviceKey, _metadata, this);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _file.Dispose();
        base.Dispose(disposing);
    }

    private EmbeddedCollectionOptions Options(VectorStoreCollectionDefinition? definition) =>
        new() { Definition = definition, EmbeddingGenerator = _options.EmbeddingGenerator };

    private T Run<T>(string operation, Func<T> body)
    {
        try
        {
            return _file.Locked(body);
        }
        catch (SqliteException e)
        {
            throw new VectorStoreException($"{_file.Path}: {e.Message}", e)
            {
                VectorStoreSystemName = EmbeddedCollection<string, object>.SystemName, VectorStoreName = _file.Path, OperationName = operation,
            };
        }
    }
}
