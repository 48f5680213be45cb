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
        var q = query.ToArray();
        Normalise(q);
        var scores = new float[Count];
        for (int i = 0; i < scores.Length; i++) scores[i] = TensorPrimitives.Dot(q, _vectors.AsSpan(i * Dimensions, Dimensions));
        return Enumerable.Range(0, scores.Length).Where(i => exclude is null || !exclude.Contains(i))
            .OrderByDescending(i => scores[i]).ThenBy(i => i).Take(top).Select(i => (i, scores[i])).ToList();
    }

    private static void Normalise(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }
}
