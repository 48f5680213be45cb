using System.Numerics.Tensors;

namespace D2LLM.Storage.Embedded;

/// <summary>
/// One vector property of a collection held in memory for exact search: a row-major float32 matrix (unit rows for
/// the cosine functions, with each row's norm kept to give vectors back as stored), a float16 copy for the first pass
/// of single-query search, and which rows have a vector at all. Rows line up with the collection's rows; removal
/// moves the last row into the gap.
/// </summary>
internal sealed class VectorColumn(VectorSchema schema)
{
    // Half-precision rounding moves each component by at most 2⁻¹¹ of itself (plus 2⁻²⁵ for subnormals).
    private const double HalfRelativeError = 1.0 / 2048;
    private const int ParallelRows = 4096;

    // Below this many stored floats (64 MB) the float32 matrix stays in cache well enough that converting float16 rows
    // costs more than the memory it saves (measured: 10,000 × 896 scans faster in float32, 100,000 × 896 in float16).
    private const long HalfPassMinElements = 1L << 24;

    private float[] _vectors = new float[schema.Dimensions * 64];
    private Half[] _halves = new Half[schema.Dimensions * 64];
    private readonly List<float> _norms = new();
    private readonly List<bool> _present = new();

    public VectorSchema Schema { get; } = schema;
    public int Dimensions => Schema.Dimensions;
    public string Function => Schema.Distance;

    /// <summary>Makes room for <paramref name="rows"/> rows at once (a collection being loaded), so that the matrix is not regrown row by row.</summary>
    public void Reserve(int rows)
    {
        if (_vectors.Length >= rows * Dimensions) return;
        Array.Resize(ref _vectors, rows * Dimensions);
        Array.Resize(ref _halves, rows * Dimensions);
    }

    /// <summary>Puts a row's vector (null: the row has none and is never a hit); <paramref name="row"/> may be one past the end.</summary>
    public void Set(int row, float[]? vector)
    {
        if (row == _present.Count)
        {
            _present.Add(false);
            _norms.Add(1);
            if (_vectors.Length < (row + 1) * Dimensions)
            {
                Array.Resize(ref _vectors, Math.Max(_vectors.Length * 2, (row + 1) * Dimensions));
                Array.Resize(ref _halves, _vectors.Length);
            }
        }

        _present[row] = vector is not null;
        var target = _vectors.AsSpan(row * Dimensions, Dimensions);
        if (vector is null)
        {
            target.Clear();
            return;
        }

        vector.CopyTo(target);
        _norms[row] = Distance.Normalises(Function) ? Normalise(target) : 1;
        TensorPrimitives.ConvertToHalf(target, _halves.AsSpan(row * Dimensions, Dimensions));
    }

    /// <summary>Moves the last row into <paramref name="row"/> and drops the last.</summary>
    public void RemoveSwap(int row)
    {
        int last = _present.Count - 1;
        if (row != last)
        {
            _present[row] = _present[last];
            _norms[row] = _norms[last];
            _vectors.AsSpan(last * Dimensions, Dimensions).CopyTo(_vectors.AsSpan(row * Dimensions, Dimensions));
            _halves.AsSpan(last * Dimensions, Dimensions).CopyTo(_halves.AsSpan(row * Dimensions, Dimensions));
        }

        _present.RemoveAt(last);
        _norms.RemoveAt(last);
    }

    /// <summary>A row's vector as it was stored, or null.</summary>
    public float[]? Get(int row)
    {
        if (!_present[row]) return null;
        var vector = _vectors.AsSpan(row * Dimensions, Dimensions).ToArray();
        TensorPrimitives.Multiply(vector, _norms[row], vector);
        return vector;
    }

    /// <summary>
    /// The closest <paramref name="count"/> rows for each query (best first, with the function's score), among the rows
    /// <paramref name="include"/> admits, scoring past the threshold. One scan of the matrix serves every query, so each
    /// row is read from memory once.
    /// </summary>
    public List<(int Row, double Score)>[] Search(IReadOnlyList<float[]> queries, int count, Func<int, bool>? include, double? threshold)
    {
        var prepared = queries.Select(Prepare).ToArray();
        int n = _present.Count, parts = Parts(n);
        var partial = new PriorityQueue<int, double>[parts, prepared.Length];
        Parallel.For(0, parts, part =>
        {
            for (int q = 0; q < prepared.Length; q++) partial[part, q] = new PriorityQueue<int, double>();
            var scratch = new float[Dimensions];
            var (start, end) = Range(n, part, parts);
            for (int row = start; row < end; row++)
            {
                if (!_present[row] || (include is not null && !include(row))) continue;
                var v = _vectors.AsSpan(row * Dimensions, Dimensions);
                for (int q = 0; q < prepared.Length; q++)
                {
                    double closeness = Closeness(v, prepared[q], scratch);
                    if (!Distance.Passes(Function, Distance.Score(Function, closeness), threshold)) continue;
                    Keep(partial[part, q], row, closeness, count);
                }
            }
        });

        var result = new List<(int Row, double Score)>[prepared.Length];
        for (int q = 0; q < prepared.Length; q++)
        {
            var hits = new List<(int Row, double Closeness)>();
            for (int part = 0; part < parts; part++)
                while (partial[part, q].TryDequeue(out int row, out double closeness)) hits.Add((row, closeness));
            result[q] = hits.OrderByDescending(h => h.Closeness).ThenBy(h => h.Row).Take(count).Select(h => (h.Row, Distance.Score(Function, h.Closeness))).ToList();
        }

        return result;
    }

    /// <summary>
    /// One query, exactly, reading half the memory: a first scan scores every row from its float16 copy and keeps the
    /// best C = max(4k, k + 32); then those are rescored in float32. The result is provably the exact top k: a float16
    /// closeness differs from the float32 one by at most ε = 2⁻¹¹·‖q‖·max‖v‖ (+10⁻⁶), so when the C-th kept closeness
    /// lies more than 2ε below the k-th, no row left out can belong to the top k. Otherwise (dense near-ties) it falls
    /// back to the full float32 scan, as do the Euclidean and Manhattan functions and collections small enough for the
    /// float32 scan to be the faster.
    /// </summary>
    /// <param name="query">the search vector</param>
    /// <param name="count">how many rows to return</param>
    /// <param name="include">which rows may be hits (null: all)</param>
    /// <param name="threshold">the score limit, if any</param>
    /// <param name="halfPass">take the float16 first pass (null: when the matrix is large enough for it to pay)</param>
    public List<(int Row, double Score)> SearchOne(float[] query, int count, Func<int, bool>? include, double? threshold, bool? halfPass = null)
    {
        int n = _present.Count;
        if (!Distance.IsDotFamily(Function) || !(halfPass ?? (long)n * Dimensions >= HalfPassMinElements)) return Search(new[] { query }, count, include, threshold)[0];
        var q = Prepare(query);
        int keep = Math.Max(4 * count, count + 32);
        double maxNorm = Distance.Normalises(Function) ? 1 : Enumerable.Range(0, n).Where(r => _present[r]).Select(RowNorm).DefaultIfEmpty(0).Max();
        double epsilon = HalfRelativeError * TensorPrimitives.Norm(q) * maxNorm + 1e-6;

        int parts = Parts(n);
        var heaps = new PriorityQueue<int, double>[parts];
        Parallel.For(0, parts, part =>
        {
            var heap = heaps[part] = new PriorityQueue<int, double>();
            var row = new float[Dimensions];
            var (start, end) = Range(n, part, parts);
            for (int r = start; r < end; r++)
            {
                if (!_present[r] || (include is not null && !include(r))) continue;
                TensorPrimitives.ConvertToSingle(_halves.AsSpan(r * Dimensions, Dimensions), row);
                Keep(heap, r, TensorPrimitives.Dot(row, q), keep);
            }
        });

        var candidates = new List<(int Row, double Approx)>();
        foreach (var heap in heaps)
            while (heap.TryDequeue(out int r, out double approx)) candidates.Add((r, approx));
        candidates.Sort((a, b) => b.Approx.CompareTo(a.Approx));
        if (candidates.Count >= keep && candidates[keep - 1].Approx >= candidates[count - 1].Approx - 2 * epsilon)
            return Search(new[] { query }, count, include, threshold)[0];

        return candidates.Take(keep)
            .Select(c => (c.Row, Closeness: (double)TensorPrimitives.Dot(_vectors.AsSpan(c.Row * Dimensions, Dimensions), q)))
            .Where(c => Distance.Passes(Function, Distance.Score(Function, c.Closeness), threshold))
            .OrderByDescending(c => c.Closeness).ThenBy(c => c.Row).Take(count)
            .Select(c => (c.Row, Distance.Score(Function, c.Closeness))).ToList();
    }

    /// <summary>The closeness of every admitted row with a vector, for fusing with keyword ranks (hybrid search).</summary>
    public List<(int Row, double Closeness)> ScoreAll(float[] query, Func<int, bool>? include)
    {
        var q = Prepare(query);
        var scratch = new float[Dimensions];
        var result = new List<(int, double)>();
        for (int row = 0; row < _present.Count; row++)
            if (_present[row] && (include is null || include(row)))
                result.Add((row, Closeness(_vectors.AsSpan(row * Dimensions, Dimensions), q, scratch)));
        return result;
    }

    private float[] Prepare(float[] query)
    {
        if (query.Length != Dimensions) throw new ArgumentException($"the search vector has {query.Length} dimensions, vector '{Schema.Name}' holds {Dimensions}");
        var copy = query.ToArray();
        if (Distance.Normalises(Function)) Normalise(copy);
        return copy;
    }

    private double Closeness(ReadOnlySpan<float> row, float[] query, float[] scratch)
    {
        switch (Function)
        {
            case Microsoft.Extensions.VectorData.DistanceFunction.EuclideanDistance:
                return -TensorPrimitives.Distance(row, query);
            case Microsoft.Extensions.VectorData.DistanceFunction.EuclideanSquaredDistance:
                double d = TensorPrimitives.Distance(row, query);
                return -d * d;
            case Microsoft.Extensions.VectorData.DistanceFunction.ManhattanDistance:
                TensorPrimitives.Subtract(row, query, scratch);
                return -TensorPrimitives.SumOfMagnitudes(scratch);
            default:
                return TensorPrimitives.Dot(row, query);
        }
    }

    /// <summary>Min-heap of the best so far keyed so that the worst kept row is on top; ties keep the earlier row.</summary>
    private static void Keep(PriorityQueue<int, double> heap, int row, double closeness, int count)
    {
        if (heap.Count < count) heap.Enqueue(row, closeness);
        else if (heap.TryPeek(out _, out double worst) && closeness > worst) heap.DequeueEnqueue(row, closeness);
    }

    private static int Parts(int rows) => Math.Min(Environment.ProcessorCount, Math.Max(1, rows / ParallelRows));

    private static (int Start, int End) Range(int rows, int part, int parts) => ((int)((long)rows * part / parts), (int)((long)rows * (part + 1) / parts));

    private double RowNorm(int row) => TensorPrimitives.Norm(_vectors.AsSpan(row * Dimensions, Dimensions));

    private static float Normalise(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
        return norm > 0 ? norm : 1;
    }
}
