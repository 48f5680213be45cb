namespace D2LLM.Storage.Embedded;

/// <summary>A collection of an <see cref="EmbeddedVectorStore"/>: writes go to the file in one transaction per call, then to memory.</summary>
public sealed class EmbeddedCollection : IVectorCollection
{
    private readonly EmbeddedVectorStore _store;

    internal EmbeddedCollection(EmbeddedVectorStore store, string name, CollectionOptions options)
    {
        _store = store;
        Name = name;
        Options = options;
    }

    public string Name { get; }
    public CollectionOptions Options { get; }

    public Task EnsureAsync(CancellationToken cancellationToken = default) => Task.FromResult(_store.Locked(() => Ensure()));

    public Task<bool> ExistsAsync(CancellationToken cancellationToken = default) => Task.FromResult(_store.Locked(() => _store.Stored(Name) is not null));

    public Task DeleteCollectionAsync(CancellationToken cancellationToken = default) => Task.FromResult(_store.Locked(() =>
    {
        using (var tx = _store.Begin())
        {
            Run("DELETE FROM records WHERE collection = $c", ("$c", Name));
            Run("DELETE FROM collections WHERE name = $c", ("$c", Name));
            tx.Commit();
        }

        _store.Forget(Name);
        return 0;
    }));

    public Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken cancellationToken = default)
    {
        foreach (var r in records)
        {
            if (r.Vector is null || r.Vector.Length != Options.Dimensions)
                throw new ArgumentException($"collection '{Name}': record {r.Key} has a {r.Vector?.Length ?? 0}-dimensional vector, the collection holds {Options.Dimensions}");
            if (r.Vector.Any(x => !float.IsFinite(x))) throw new ArgumentException($"collection '{Name}': record {r.Key} has a non-finite vector component");
        }

        return Task.FromResult(_store.Locked(() =>
        {
            Ensure();
            using (var tx = _store.Begin())
            {
                using var cmd = _store.Command("INSERT OR REPLACE INTO records(collection, key, text, metadata, vector) VALUES ($c, $k, $t, $m, $v)",
                    ("$c", Name), ("$k", ""), ("$t", ""), ("$m", ""), ("$v", Array.Empty<byte>()));
                foreach (var r in records)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var bytes = new byte[r.Vector!.Length * 4];
                    Buffer.BlockCopy(r.Vector, 0, bytes, 0, bytes.Length);
                    cmd.Parameters["$k"].Value = r.Key.ToString();
                    cmd.Parameters["$t"].Value = r.Text;
                    cmd.Parameters["$m"].Value = MetadataJson.Write(r.Metadata);
                    cmd.Parameters["$v"].Value = bytes;
                    cmd.ExecuteNonQuery();
                }

                tx.Commit();
            }

            var index = _store.Index(Name, Options);
            foreach (var r in records) index.Put(r);
            return 0;
        }));
    }

    public Task<IReadOnlyList<VectorRecord>> GetAsync(IReadOnlyList<VectorKey> keys, bool includeVectors = false, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<VectorRecord>>(_store.Locked(() =>
        {
            if (_store.Stored(Name) is null) return new List<VectorRecord>();
            var index = _store.Index(Name, Checked());
            return keys.Select(k => index.Get(k.ToString(), includeVectors)).OfType<VectorRecord>().ToList();
        }));

    public Task DeleteAsync(IReadOnlyList<VectorKey> keys, CancellationToken cancellationToken = default) =>
        Task.FromResult(_store.Locked(() => Delete(keys.Select(k => k.ToString()).ToList())));

    public Task DeleteAsync(VectorFilter filter, CancellationToken cancellationToken = default) => Task.FromResult(_store.Locked(() =>
        _store.Stored(Name) is null ? 0 : Delete(_store.Index(Name, Checked()).Where(filter).Select(r => r.Key.ToString()).ToList())));

    public Task<long> CountAsync(VectorFilter? filter = null, CancellationToken cancellationToken = default) => Task.FromResult(_store.Locked(() =>
        _store.Stored(Name) is null ? 0L : _store.Index(Name, Checked()).Where(filter).LongCount()));

    public Task<IReadOnlyList<VectorSearchHit>> SearchAsync(float[] vector, VectorSearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new VectorSearchOptions();
        if (options.Top < 1) throw new ArgumentException("top must be at least 1");
        return Task.FromResult<IReadOnlyList<VectorSearchHit>>(_store.Locked(() =>
            _store.Stored(Name) is null ? new List<VectorSearchHit>() : _store.Index(Name, Checked()).SearchOne(vector, options)));
    }

    /// <summary>Several queries in one scan of the vectors (each row is read from memory once for all of them).</summary>
    public Task<IReadOnlyList<VectorSearchHit>[]> SearchBatchAsync(IReadOnlyList<float[]> vectors, VectorSearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new VectorSearchOptions();
        if (options.Top < 1) throw new ArgumentException("top must be at least 1");
        return Task.FromResult(_store.Locked(() =>
        {
            if (_store.Stored(Name) is null) return vectors.Select(_ => (IReadOnlyList<VectorSearchHit>)Array.Empty<VectorSearchHit>()).ToArray();
            return _store.Index(Name, Checked()).Search(vectors, options).Select(h => (IReadOnlyList<VectorSearchHit>)h).ToArray();
        }));
    }

    /// <summary>Creates the collection unless it exists (another process may be creating it at the same moment).</summary>
    private int Ensure()
    {
        if (_store.Stored(Name) is null)
        {
            using var tx = _store.Begin();
            Run("INSERT OR IGNORE INTO collections(name, dimensions, distance) VALUES ($n, $d, $t)", ("$n", Name), ("$d", Options.Dimensions), ("$t", Options.Distance.ToString()));
            tx.Commit();
        }

        Checked();
        return 0;
    }

    /// <summary>The stored options, which must be this handle's.</summary>
    private CollectionOptions Checked()
    {
        var stored = _store.Stored(Name)!;
        if (stored != Options)
            throw new InvalidDataException($"{_store.Path}: collection '{Name}' holds {stored.Dimensions}-dimensional {stored.Distance} vectors, not {Options.Dimensions}-dimensional {Options.Distance}");
        return stored;
    }

    private int Delete(List<string> keys)
    {
        using (var tx = _store.Begin())
        {
            using var cmd = _store.Command("DELETE FROM records WHERE collection = $c AND key = $k", ("$c", Name), ("$k", ""));
            foreach (var key in keys)
            {
                cmd.Parameters["$k"].Value = key;
                cmd.ExecuteNonQuery();
            }

            tx.Commit();
        }

        if (_store.Stored(Name) is { } options)
        {
            var index = _store.Index(Name, options);
            foreach (var key in keys) index.Remove(key);
        }

        return keys.Count;
    }

    private void Run(string sql, params (string, object?)[] parameters)
    {
        using var cmd = _store.Command(sql, parameters);
        cmd.ExecuteNonQuery();
    }
}
