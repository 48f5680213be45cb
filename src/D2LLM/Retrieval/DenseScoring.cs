using System.Numerics.Tensors;

namespace D2LLM.Retrieval;

/// <summary>Scoring candidates by the cosine of their embeddings with the query's (a plain model as a reranker).</summary>
public static class DenseScoring
{
    /// <summary>The cosine of the query's embedding with each candidate's; all embedded in one call.</summary>
    public static double[] Cosines(this IDenseEncoder encoder, string query, IReadOnlyList<string> candidates)
    {
        var queryVector = encoder.EmbedQueries(new[] { query });
        var vectors = encoder.Embed(candidates);
        int d = encoder.Dimensions;
        return Enumerable.Range(0, candidates.Count)
            .Select(i => (double)TensorPrimitives.CosineSimilarity(queryVector, vectors.AsSpan(i * d, d))).ToArray();
    }
}
