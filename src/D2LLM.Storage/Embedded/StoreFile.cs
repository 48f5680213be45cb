using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace D2LLM.Storage.Embedded;

/// <summary>
/// The embedded store's file: one SQLite database (WAL journal, full sync, so an acknowledged upsert survives a killed
/// process) with a table of collections (name and <see cref="CollectionSchema"/>) and one of records (collection, key
/// text, data as JSON by storage name, vectors as one blob). Each collection is loaded into memory on first use.
/// Several processes may open the file: SQLite serialises writers (with a busy timeout) and readers see committed
/// data; a process notices another's commits through <c>PRAGMA data_version</c> and reloads. Callers hold
/// <see cref="Locked{T}"/> around every use.
/// </summary>
internal sealed class StoreFile : IDisposable
{
    public const string FormatName = "d2llm-vectors";
    public const int FormatVersion = 2;

    private readonly SqliteConnection _connection;
    private readonly object _gate = new();
    private readonly Dictionary<string, CollectionIndex> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CollectionSchema?> _schemas = new(StringComparer.Ordinal);
    private long _dataVersion;
    private SqliteTransaction? _transaction;

    public StoreFile(string path)
    {
        Path = path;
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        try
        {
            _connection.Open();
            Execute("PRAGMA busy_timeout = 30000");
            RefuseForeignFile(); // before WAL: switching journal mode would change a file that is not ours
            Execute("PRAGMA journal_mode = WAL");
            Execute("PRAGMA synchronous = FULL");
            CheckFormat();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 26)
        {
            _connection.Dispose();
            throw new InvalidDataException($"{path}: not a {FormatName} store (not an SQLite database)");
        }
        catch (SqliteException e)
        {
            // A directory, a file without read or write permission, a full disk, a damaged file: SQLite's own words, with the path.
            _connection.Dispose();
            throw new IOException($"{path}: cannot open the store ({e.Message.Replace("SQLite Error ", "", StringComparison.Ordinal)})", e);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    public string Path { get; }

    public SqliteConnection Connection => _connection;

    public void Dispose()
    {
        lock (_gate) _connection.Dispose();
    }

    /// <summary>Runs an action holding the file, with the caches brought up to date with other connections' commits.</summary>
    public T Locked<T>(Func<T> action)
    {
        lock (_gate)
        {
            Refresh();
            return action();
        }
    }

    public IReadOnlyList<string> Names()
    {
        using var cmd = Command("SELECT name FROM collections ORDER BY name");
        using var reader = cmd.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>A collection's schema, or null when it does not exist (read once, until another connection commits).</summary>
    public CollectionSchema? Schema(string name)
    {
        if (_schemas.TryGetValue(name, out var known)) return known;
        using var cmd = Command("SELECT schema FROM collections WHERE name = $n", ("$n", name));
        return _schemas[name] = cmd.ExecuteScalar() is string json ? CollectionSchema.FromJson(json) : null;
    }

    /// <summary>Creates a collection unless it exists (another process may be creating it at the same moment).</summary>
    public void Create(string name, CollectionSchema schema)
    {
        if (Schema(name) is not null) return;
        using var tx = Begin();
        Execute("INSERT OR IGNORE INTO collections(name, schema) VALUES ($n, $s)", ("$n", name), ("$s", schema.ToJson()));
        tx.Commit();
        _schemas.Remove(name); // another process may have created it first, with its own schema: read what is stored
    }

    public void Drop(string name)
    {
        using (var tx = Begin())
        {
            Execute("DELETE FROM records WHERE collection = $c", ("$c", name));
            Execute("DELETE FROM collections WHERE name = $c", ("$c", name));
            tx.Commit();
        }

        _loaded.Remove(name);
        _schemas.Remove(name);
    }

    /// <summary>The in-memory index of a collection, loaded from the file when first needed.</summary>
    public CollectionIndex Index(string name, CollectionSchema schema)
    {
        if (_loaded.TryGetValue(name, out var index)) return index;
        index = new CollectionIndex(schema);
        using (var count = Command("SELECT count(*) FROM records WHERE collection = $c", ("$c", name)))
            index.Reserve((int)(long)count.ExecuteScalar()!);
        using var cmd = Command("SELECT key, data, vectors FROM records WHERE collection = $c ORDER BY rowid", ("$c", name));
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) index.Put(reader.GetString(0), ReadData(reader.GetString(1)), ReadVectors(schema, (byte[])reader.GetValue(2)));
        _loaded[name] = index;
        return index;
    }

    /// <summary>Writes records in one transaction (all or none), then into the loaded index.</summary>
    public void Write(string name, CollectionSchema schema, IReadOnlyList<(string Key, Dictionary<string, object?> Data, Dictionary<string, float[]?> Vectors)> records,
        CancellationToken cancellationToken)
    {
        using (var tx = Begin())
        {
            using var cmd = Command("INSERT OR REPLACE INTO records(collection, key, data, vectors) VALUES ($c, $k, $d, $v)",
                ("$c", name), ("$k", ""), ("$d", ""), ("$v", Array.Empty<byte>()));
            foreach (var (key, data, vectors) in records)
            {
                cancellationToken.ThrowIfCancellationRequested();
                cmd.Parameters["$k"].Value = key;
                cmd.Parameters["$d"].Value = JsonSerializer.Serialize(data);
                cmd.Parameters["$v"].Value = WriteVectors(schema, vectors);
                cmd.ExecuteNonQuery();
            }

            tx.Commit();
        }

        var index = Index(name, schema);
        foreach (var (key, data, vectors) in records) index.Put(key, data, vectors);
    }

    public void Delete(string name, CollectionSchema schema, IReadOnlyList<string> keys)
    {
        using (var tx = Begin())
        {
            using var cmd = Command("DELETE FROM records WHERE collection = $c AND key = $k", ("$c", name), ("$k", ""));
            foreach (var key in keys)
            {
                cmd.Parameters["$k"].Value = key;
                cmd.ExecuteNonQuery();
            }

            tx.Commit();
        }

        var index = Index(name, schema);
        foreach (var key in keys) index.Remove(key);
    }

    private static Dictionary<string, object?> ReadData(string json)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var p in doc.RootElement.EnumerateObject()) result[p.Name] = Mapping.StoredValue.FromJson(p.Value);
        return result;
    }

    /// <summary>Each of the schema's vectors in order: a presence byte, then its floats (little-endian).</summary>
    private static byte[] WriteVectors(CollectionSchema schema, IReadOnlyDictionary<string, float[]?> vectors)
    {
        var bytes = new byte[schema.Vectors.Sum(v => 1 + 4 * v.Dimensions)];
        int at = 0;
        foreach (var v in schema.Vectors)
        {
            if (vectors.GetValueOrDefault(v.Name) is { } vector)
            {
                bytes[at] = 1;
                Buffer.BlockCopy(vector, 0, bytes, at + 1, 4 * v.Dimensions);
            }

            at += 1 + 4 * v.Dimensions;
        }

        return bytes;
    }

    private Dictionary<string, float[]?> ReadVectors(CollectionSchema schema, byte[] bytes)
    {
        var result = new Dictionary<string, float[]?>(StringComparer.Ordinal);
        int at = 0;
        foreach (var v in schema.Vectors)
        {
            if (at + 1 + 4 * v.Dimensions > bytes.Length) throw new InvalidDataException($"{Path}: a record's vectors are cut short (the file is damaged)");
            if (bytes[at] == 1)
            {
                var vector = new float[v.Dimensions];
                Buffer.BlockCopy(bytes, at + 1, vector, 0, 4 * v.Dimensions);
                result[v.Name] = vector;
            }

            at += 1 + 4 * v.Dimensions;
        }

        return result;
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
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
    private Transaction Begin()
    {
        var transaction = new Transaction(this, _connection.BeginTransaction(deferred: false));
        Refresh();
        return transaction;
    }

    /// <summary>A write transaction; commands created while it is open join it.</summary>
    private sealed class Transaction : IDisposable
    {
        private readonly StoreFile _file;
        private readonly SqliteTransaction _inner;

        public Transaction(StoreFile file, SqliteTransaction inner)
        {
            (_file, _inner) = (file, inner);
            file._transaction = inner;
        }

        public void Commit() => _inner.Commit();

        public void Dispose()
        {
            _file._transaction = null;
            _inner.Dispose();
        }
    }

    /// <summary>
    /// Creates the schema in a new file or checks an existing file's format (upgrading a version-1 file), inside one
    /// immediate transaction: two processes opening a new file at once must not see each other's half-created schema.
    /// </summary>
    private void CheckFormat()
    {
        using var transaction = Begin();
        using (var cmd = Command("SELECT count(*) FROM sqlite_master WHERE type = 'table'"))
        {
            if ((long)cmd.ExecuteScalar()! == 0)
            {
                Execute("CREATE TABLE d2llm_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                Execute($"INSERT INTO d2llm_meta VALUES ('format', '{FormatName}'), ('version', '{FormatVersion}')");
                Execute("CREATE TABLE collections(name TEXT PRIMARY KEY, schema TEXT NOT NULL)");
                Execute("CREATE TABLE records(collection TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, vectors BLOB NOT NULL, PRIMARY KEY (collection, key))");
                transaction.Commit();
                return;
            }
        }

        RefuseForeignFile();
        string? version = Scalar("SELECT value FROM d2llm_meta WHERE key = 'version'");
        if (version == "1") FormatUpgrade.FromVersion1(_connection, _transaction!);
        else if (version != FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{Path}: a version-{version} {FormatName} store; this build reads versions 1 and {FormatVersion}");
        transaction.Commit();
    }

    /// <summary>Refuses a database that has tables but is not a store of this format.</summary>
    private void RefuseForeignFile()
    {
        // One statement, so a schema another process commits meanwhile is seen whole or not at all.
        using var cmd = Command("SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table'), (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'd2llm_meta')");
        using var reader = cmd.ExecuteReader();
        reader.Read();
        long tables = reader.GetInt64(0), meta = reader.GetInt64(1);
        reader.Close();
        if (tables > 0 && (meta == 0 || Scalar("SELECT value FROM d2llm_meta WHERE key = 'format'") != FormatName))
            throw new InvalidDataException($"{Path}: an SQLite file of another format (not a {FormatName} store)");
    }

    private string? Scalar(string sql)
    {
        using var cmd = Command(sql);
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>Drops the loaded collections when another connection has committed since we last looked.</summary>
    private void Refresh()
    {
        using var cmd = Command("PRAGMA data_version");
        long version = (long)cmd.ExecuteScalar()!;
        if (version == _dataVersion) return;
        _loaded.Clear();
        _schemas.Clear();
        _dataVersion = version;
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        cmd.ExecuteNonQuery();
    }
}
