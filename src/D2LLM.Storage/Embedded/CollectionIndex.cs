using System.Numerics.Tensors;

namespace D2LLM.Storage.Embedded;

/// <summary>
/// One collection held in memory for exact search: keys, texts, metadata and a row-major vector matrix (unit rows
/// for cosine, so a score is one dot product, with each row's norm kept to give vectors back as they were stored).
/// Rows are removed by moving the last row into the gap.
/// </summary>
internal sealed class CollectionIndex(int dimensions, VectorDistance distance)
{
    private readonly Dictionary<string, int> _rows = new(StringComparer.Ordinal);
    private readonly List<VectorRecord> _records = new();
    private float[] _vectors = new float[dimensions * 64];
    private Half[] _halves = new Half[dimensions * 64];
    private readonly List<float> _norms = new();

    // Half-precision rounding moves each component by at most 2⁻¹¹ of itself (plus 2⁻²⁵ for subnormals).
    private const double HalfRelativeError = 1.0 / 2048;

    public int Dimensions { get; } = dimensions;
    public VectorDistance Distance { get; } = distance;
    public int Count => _records.Count;

    public void Put(VectorRecord record)
    {
        string key = record.Key.ToString();
        if (!_rows.TryGetValue(key, out int row))
        {
            row = _records.Count;
            _rows[key] = row;
            _records.Add(record);
            _norms.Add(1);
            if (_vectors.Length < (row + 1) * Dimensions)
            {
                Array.Resize(ref _vectors, Math.Max(_vectors.Length * 2, (row + 1) * Dimensions));
                Array.Resize(ref _halves, _vectors.Length);
            }
        }

        _records[row] = record with { Vector = null };
        var target = _vectors.AsSpan(row * Dimensions, Dimensions);
        record.Vector.AsSpan().CopyTo(target);
        if (Distance == VectorDistance.Cosine) _norms[row] = Normalise(target);
        TensorPrimitives.ConvertToHalf(target, _halves.AsSpan(row * Dimensions, Dimensions));
    }

    public void Remove(string key)
    {
        if (!_rows.Remove(key, out int row)) return;
        int last = _records.Count - 1;
        if (row != last)
        {
            _records[row] = _records[last];
            _norms[row] = _norms[last];
            _rows[_records[row].Key.ToString()] = row;
            _vectors.AsSpan(last * Dimensions, Dimensions).CopyTo(_vectors.AsSpan(row * Dimensions, Dimensions));
            _halves.AsSpan(last * Dimensions, Dimensions).CopyTo(_halves.AsSpan(row * Dimensions, Dimensions));
        }

        _records.RemoveAt(last);
        _norms.RemoveAt(last);
    }

    public VectorRecord? Get(string key, bool includeVector) => _rows.TryGetValue(key, out int row) ? WithVector(row, includeVector) : null;

    public IEnumerable<VectorRecord> Where(VectorFilter? filter) => _records.Where(r => filter is null || filter.Matches(r.Metadata));

    /// <summary>
    /// The best Top rows for each query (scores: cosine or dot, higher first; Euclidean distance,
    /// lower first), scanning the matrix once for all queries so that each row is read from memory once.
    /// </summary>
    public List<VectorSearchHit>[] Search(IReadOnlyList<float[]> queries, VectorSearchOptions options)
    {
        var prepared = queries.Select(q =>
        {
            if (q.Length != Dimensions) throw new ArgumentException($"the query vector has {q.Length} dimensions, the collection {Dimensions}");
            var copy = q.ToArray();
            if (Distance == VectorDistance.Cosine) Normalise(copy);
            return copy;
        }).ToArray();
        bool lowerIsBetter = Distance == VectorDistance.Euclidean;
        int n = _records.Count, parts = Math.Min(Environment.ProcessorCount, Math.Max(1, n / 4096));
        var partial = new PriorityQueue<int, double>[parts, prepared.Length];
        Parallel.For(0, parts, part =>
        {
            for (int q = 0; q < prepared.Length; q++) partial[part, q] = new PriorityQueue<int, double>();
            int start = (int)((long)n * part / parts), end = (int)((long)n * (part + 1) / parts);
            for (int row = start; row < end; row++)
            {
                if (options.Filter is { } filter && !filter.Matches(_records[row].Metadata)) continue;
                var v = _vectors.AsSpan(row * Dimensions, Dimensions);
                for (int q = 0; q < prepared.Length; q++)
                {
                    double score = lowerIsBetter ? TensorPrimitives.Distance(v, prepared[q]) : TensorPrimitives.Dot(v, prepared[q]);
                    if (options.ScoreThreshold is { } t && (lowerIsBetter ? score > t : score < t)) continue;
                    // Min-heap of the best so far keyed so that the worst kept hit is on top; ties keep the earlier row.
                    double key = lowerIsBetter ? -score : score;
                    var heap = partial[part, q];
                    if (heap.Count < options.Top) heap.Enqueue(row, key);
                    else if (heap.TryPeek(out _, out double worst) && key > worst) heap.DequeueEnqueue(row, key);
                }
            }
        });

        var result = new List<VectorSearchHit>[prepared.Length];
        for (int q = 0; q < prepared.Length; q++)
        {
            var hits = new List<(int Row, double Key)>();
            for (int part = 0; part < parts; part++)
                while (partial[part, q].TryDequeue(out int row, out double key)) hits.Add((row, key));
            result[q] = hits.OrderByDescending(h => h.Key).ThenBy(h => h.Row).Take(options.Top)
                .Select(h => new VectorSearchHit(WithVector(h.Row, options.IncludeVectors), lowerIsBetter ? -h.Key : h.Key)).ToList();
        }

        return result;
    }

    /// <summary>
    /// One query, exactly, reading half the memory: a first scan scores every row from its float16 copy and keeps the
    /// best C = max(4k, k + 32); then those are rescored in float32. The result is provably the exact top k: a float16
    /// score differs from the float32 one by at most ε = 2⁻¹¹·‖q‖·max‖v‖ (+10⁻⁶), so when the C-th kept score lies more
    /// than 2ε below the k-th, no row left out can belong to the top k. Otherwise (dense near-ties) it falls back to
    /// the full float32 scan. Euclidean collections always take the float32 scan.
    /// </summary>
    public List<VectorSearchHit> SearchOne(float[] query, VectorSearchOptions options)
    {
        if (Distance == VectorDistance.Euclidean || _records.Count <= 4096) return Search(new[] { query }, options)[0];
        if (query.Length != Dimensions) throw new ArgumentException($"the query vector has {query.Length} dimensions, the collection {Dimensions}");
        var q = query.ToArray();
        if (Distance == VectorDistance.Cosine) Normalise(q);
        int k = options.Top, keep = Math.Max(4 * k, k + 32), n = _records.Count;
        double maxNorm = Distance == VectorDistance.Cosine ? 1 : Enumerable.Range(0, n).Max(RowNorm);
        double epsilon = HalfRelativeError * TensorPrimitives.Norm(q) * maxNorm + 1e-6;

        int parts = Math.Min(Environment.ProcessorCount, Math.Max(1, n / 4096));
        var heaps = new PriorityQueue<int, float>[parts];
        Parallel.For(0, parts, part =>
        {
            var heap = heaps[part] = new PriorityQueue<int, float>();
            Span<float> row = stackalloc float[Dimensions];
            int start = (int)((long)n * part / parts), end = (int)((long)n * (part + 1) / parts);
            for (int r = start; r < end; r++)
            {
                if (options.Filter is { } filter && !filter.Matches(_records[r].Metadata)) continue;
                TensorPrimitives.ConvertToSingle(_halves.AsSpan(r * Dimensions, Dimensions), row);
                float score = TensorPrimitives.Dot(row, q);
                if (heap.Count < keep) heap.Enqueue(r, score);
                else if (heap.TryPeek(out _, out float worst) && score > worst) heap.DequeueEnqueue(r, score);
            }
        });

        var candidates = new List<(int Row, float Approx)>();
        foreach (var heap in heaps)
            while (heap.TryDequeue(out int r, out float score)) candidates.Add((r, score));
        candidates.Sort((a, b) => b.Approx.CompareTo(a.Approx));
        if (candidates.Count >= keep && candidates[keep - 1].Approx >= candidates[k - 1].Approx - 2 * epsilon)
            return Search(new[] { query }, options)[0];

        return candidates.Take(keep)
            .Select(c => (c.Row, Score: (double)TensorPrimitives.Dot(_vectors.AsSpan(c.Row * Dimensions, Dimensions), q)))
            .Where(c => options.ScoreThreshold is not { } t || c.Score >= t)
            .OrderByDescending(c => c.Score).ThenBy(c => c.Row).Take(k)
            .Select(c => new VectorSearchHit(WithVector(c.Row, options.IncludeVectors), c.Score)).ToList();
    }

    private double RowNorm(int row) => TensorPrimitives.Norm(_vectors.AsSpan(row * Dimensions, Dimensions));

    private VectorRecord WithVector(int row, bool include)
    {
        if (!include) return _records[row];
        var vector = _vectors.AsSpan(row * Dimensions, Dimensions).ToArray();
        TensorPrimitives.Multiply(vector, _norms[row], vector);
        return _records[row] with { Vector = vector };
    }

    private static float Normalise(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
        return norm > 0 ? norm : 1;
    }
}
