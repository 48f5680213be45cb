using Microsoft.Data.Sqlite;

namespace D2LLM.Storage.Embedded;

/// <summary>
/// The default store: one SQLite file (WAL journal, full sync, so an acknowledged upsert survives a killed process)
/// holding every collection; each collection is loaded into memory on first use for exact SIMD search. Several
/// processes may open the same file: SQLite serialises writers (with a busy timeout) and readers see committed data;
/// a process notices another's commits through <c>PRAGMA data_version</c> and reloads. A file of another format, or a
/// collection reopened with another vector size or distance, fails with a one-line error.
/// </summary>
public sealed class EmbeddedVectorStore : IVectorStore
{
    public const string FormatName = "d2llm-vectors";
    private readonly SqliteConnection _connection;
    private readonly object _gate = new();
    private readonly Dictionary<string, CollectionIndex> _loaded = new(StringComparer.Ordinal);
    private long _dataVersion;
    private SqliteTransaction? _transaction;

    public EmbeddedVectorStore(string path)
    {
        Path = path;
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        try
        {
            _connection.Open();
            Execute("PRAGMA busy_timeout = 30000");
            Execute("PRAGMA journal_mode = WAL");
            Execute("PRAGMA synchronous = FULL");
            CheckFormat();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 26)
        {
            _connection.Dispose();
            throw new InvalidDataException($"{path}: not a {FormatName} store (not an SQLite database)");
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    public string Path { get; }

    public IVectorCollection GetCollection(string name, CollectionOptions options)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a collection needs a name");
        if (options.Dimensions < 1) throw new ArgumentException($"collection '{name}': dimensions must be positive");
        return new EmbeddedCollection(this, name, options);
    }

    public Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT name FROM collections ORDER BY name");
            using var reader = cmd.ExecuteReader();
            var names = new List<string>();
            while (reader.Read()) names.Add(reader.GetString(0));
            return Task.FromResult<IReadOnlyList<string>>(names);
        }
    }

    public void Dispose()
    {
        lock (_gate) _connection.Dispose();
    }

    internal T Locked<T>(Func<T> action)
    {
        lock (_gate)
        {
            Refresh();
            return action();
        }
    }

    internal SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _transaction;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    /// <summary>
    /// Starts the write transaction that commands made until it is disposed take part in. Once it holds the write lock
    /// no other process can commit, so the caches are brought up to date here and stay so through our own commit
    /// (which does not move data_version).
    /// </summary>
    internal Transaction Begin()
    {
        var transaction = new Transaction(this, _connection.BeginTransaction(deferred: false));
        Refresh();
        return transaction;
    }

    /// <summary>A write transaction; commands created while it is open join it.</summary>
    internal sealed class Transaction : IDisposable
    {
        private readonly EmbeddedVectorStore _store;
        private readonly SqliteTransaction _inner;

        public Transaction(EmbeddedVectorStore store, SqliteTransaction inner)
        {
            (_store, _inner) = (store, inner);
            store._transaction = inner;
        }

        public void Commit() => _inner.Commit();

        public void Dispose()
        {
            _store._transaction = null;
            _inner.Dispose();
        }
    }

    /// <summary>The collection's stored options, or null when it does not exist.</summary>
    internal CollectionOptions? Stored(string name)
    {
        using var cmd = Command("SELECT dimensions, distance FROM collections WHERE name = $n", ("$n", name));
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? new CollectionOptions(reader.GetInt32(0), Enum.Parse<VectorDistance>(reader.GetString(1))) : null;
    }

    /// <summary>The in-memory index of a collection, loaded from the file when first needed.</summary>
    internal CollectionIndex Index(string name, CollectionOptions options)
    {
        if (_loaded.TryGetValue(name, out var index)) return index;
        index = new CollectionIndex(options.Dimensions, options.Distance);
        using var cmd = Command("SELECT key, text, metadata, vector FROM records WHERE collection = $c ORDER BY rowid", ("$c", name));
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var bytes = (byte[])reader.GetValue(3);
            var vector = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, vector, 0, bytes.Length);
            index.Put(new VectorRecord(VectorKey.From(reader.GetString(0)), reader.GetString(1), MetadataJson.Read(reader.GetString(2)), vector));
        }

        _loaded[name] = index;
        return index;
    }

    internal void Forget(string name) => _loaded.Remove(name);

    /// <summary>
    /// Creates the schema in a new file or checks an existing file's format, inside one immediate transaction: two
    /// processes opening a new file at once must not see each other's half-created schema.
    /// </summary>
    private void CheckFormat()
    {
        using var transaction = Begin();
        using (var cmd = Command("SELECT count(*) FROM sqlite_master WHERE type = 'table'"))
        {
            long tables = (long)cmd.ExecuteScalar()!;
            if (tables == 0)
            {
                Execute("CREATE TABLE d2llm_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                Execute($"INSERT INTO d2llm_meta VALUES ('format', '{FormatName}'), ('version', '1')");
                Execute("CREATE TABLE collections(name TEXT PRIMARY KEY, dimensions INTEGER NOT NULL, distance TEXT NOT NULL)");
                Execute("CREATE TABLE records(collection TEXT NOT NULL, key TEXT NOT NULL, text TEXT NOT NULL, metadata TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (collection, key))");
                transaction.Commit();
                return;
            }
        }

        string? format = null;
        try
        {
            using var cmd = Command("SELECT value FROM d2llm_meta WHERE key = 'format'");
            format = cmd.ExecuteScalar() as string;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1)
        {
        }

        if (format != FormatName) throw new InvalidDataException($"{Path}: an SQLite file of another format (not a {FormatName} store)");
        transaction.Commit();
    }

    /// <summary>Drops the loaded collections when another connection has committed since we last looked.</summary>
    private void Refresh()
    {
        using var cmd = Command("PRAGMA data_version");
        long version = (long)cmd.ExecuteScalar()!;
        if (version == _dataVersion) return;
        _loaded.Clear();
        _dataVersion = version;
    }

    private void Execute(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }
}
