using D2LLM.Storage.Filtering;
using D2LLM.Storage.Text;

namespace D2LLM.Storage.Embedded;

/// <summary>One stored row of a collection held in memory: the key's text, its stored form (for filters) and the data values by storage name.</summary>
internal sealed record Row(string Key, object StoredKey, Dictionary<string, object?> Data);

/// <summary>
/// One collection held in memory: rows in insertion order (removal moves the last row into the gap), one
/// <see cref="VectorColumn"/> per vector, and BM25 indexes over text fields, built when a hybrid search first needs
/// them and dropped on every write.
/// </summary>
internal sealed class CollectionIndex
{
    private readonly Dictionary<string, int> _rows = new(StringComparer.Ordinal);
    private readonly List<Row> _records = new();
    private readonly Dictionary<string, Bm25Index> _keywords = new(StringComparer.Ordinal);

    public CollectionIndex(CollectionSchema schema)
    {
        Schema = schema;
        Columns = schema.Vectors.ToDictionary(v => v.Name, v => new VectorColumn(v), StringComparer.Ordinal);
    }

    public CollectionSchema Schema { get; }
    public IReadOnlyDictionary<string, VectorColumn> Columns { get; }
    public int Count => _records.Count;

    public Row this[int row] => _records[row];

    public void Put(string key, Dictionary<string, object?> data, IReadOnlyDictionary<string, float[]?> vectors)
    {
        if (!_rows.TryGetValue(key, out int row))
        {
            row = _records.Count;
            _rows[key] = row;
            _records.Add(null!);
        }

        _records[row] = new Row(key, Schema.StoredKey(key), data);
        foreach (var (name, column) in Columns) column.Set(row, vectors.GetValueOrDefault(name));
        _keywords.Clear();
    }

    public void Remove(string key)
    {
        if (!_rows.Remove(key, out int row)) return;
        int last = _records.Count - 1;
        if (row != last)
        {
            _records[row] = _records[last];
            _rows[_records[row].Key] = row;
        }

        _records.RemoveAt(last);
        foreach (var column in Columns.Values) column.RemoveSwap(row);
        _keywords.Clear();
    }

    /// <summary>Makes room for <paramref name="rows"/> rows (a collection being loaded).</summary>
    public void Reserve(int rows)
    {
        foreach (var column in Columns.Values) column.Reserve(rows);
    }

    public int? Find(string key) => _rows.TryGetValue(key, out int row) ? row : null;

    /// <summary>The rows a filter admits, in insertion order (rows keep their order until one is removed).</summary>
    public IEnumerable<int> Where(FilterNode? filter) => Enumerable.Range(0, _records.Count).Where(Admits(filter) ?? (_ => true));

    /// <summary>The filter as a row predicate, or null when there is none.</summary>
    public Func<int, bool>? Admits(FilterNode? filter) =>
        filter is null ? null : row => FilterEvaluator.Matches(filter, _records[row].StoredKey, _records[row].Data);

    /// <summary>The BM25 index over one text field (a row's document is its field's text, empty when absent), built on first use after a write.</summary>
    public Bm25Index Keywords(string field)
    {
        if (!_keywords.TryGetValue(field, out var index))
            _keywords[field] = index = new Bm25Index(_records.Select(r => r.Data.GetValueOrDefault(field) as string ?? "").ToList());
        return index;
    }
}
