using System.Numerics.Tensors;

namespace D2LLM.Retrieval;

/// <summary>
/// Exact nearest neighbours by cosine similarity over a corpus embedded once (unit-normalised rows, so a search is
/// one dot product per document). Ties break by document order: deterministic.
/// </summary>
public sealed class DenseIndex
{
    private readonly float[] _vectors;

    private DenseIndex(float[] vectors, int dimensions)
    {
        _vectors = vectors;
        Dimensions = dimensions;
    }

    public int Dimensions { get; }
    public int Count => _vectors.Length / Dimensions;

    /// <summary>Embeds the documents in batches of <paramref name="batchSize"/>, reporting (done, total).</summary>
    public static DenseIndex Build(IDenseEncoder encoder, IReadOnlyList<string> documents, int batchSize = 16, Action<int, int>? progress = null)
    {
        int d = encoder.Dimensions;
        var vectors = new float[(long)documents.Count * d];
        for (int start = 0; start < documents.Count; start += batchSize)
        {
            var chunk = documents.Skip(start).Take(batchSize).ToList();
            encoder.Embed(chunk).CopyTo(vectors.AsSpan(start * d));
            progress?.Invoke(start + chunk.Count, documents.Count);
        }

        for (int i = 0; i < documents.Count; i++) Normalise(vectors.AsSpan(i * d, d));
        return new DenseIndex(vectors, d);
    }

    /// <summary>The <paramref name="top"/> documents most similar to a query vector, best first, skipping <paramref name="exclude"/>.</summary>
    public List<(int Doc, float Score)> Search(ReadOnlySpan<float> query, int top, ISet<int>? exclude = null)
    {
        if (query.Length != Dimensions) throw new ArgumentException($"the query vector has {query.Length} dimensions, the index {Dimensions}");
        if (top < 1) return new List<(int Doc, float Score)>();
        var q = query.ToArray();
        Normalise(q);
        // The best `top` so far in a heap whose top is the worst of them: O(n log top), not a sort of the corpus.
        var best = new PriorityQueue<int, (float Score, int Doc)>(top + 1, WorstFirst);
        for (int i = 0; i < Count; i++)
        {
            if (exclude is not null && exclude.Contains(i)) continue;
            var hit = (TensorPrimitives.Dot(q, _vectors.AsSpan(i * Dimensions, Dimensions)), i);
            if (best.Count < top) best.Enqueue(i, hit);
            else if (best.TryPeek(out _, out var worst) && WorstFirst.Compare(hit, worst) > 0) best.DequeueEnqueue(i, hit);
        }

        var hits = new List<(int Doc, float Score)>(best.Count);
        while (best.TryDequeue(out int doc, out var hit)) hits.Add((doc, hit.Score));
        hits.Reverse();
        return hits;
    }

    /// <summary>Lower score first; on equal scores the later document first (ties go to document order).</summary>
    private static readonly Comparer<(float Score, int Doc)> WorstFirst =
        Comparer<(float Score, int Doc)>.Create((a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : b.Doc.CompareTo(a.Doc));

    private static void Normalise(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }
}
