using Microsoft.Extensions.VectorData;

namespace D2LLM.Storage.Embedded;

/// <summary>
/// VectorData's distance functions as the embedded store computes them. Every search ranks by a "closeness" that is
/// higher for closer vectors (a dot product over unit rows for the cosine functions, the dot product, or minus a
/// distance) and reports the score the function defines: similarities (higher is closer) or distances (lower is closer).
/// </summary>
internal static class Distance
{
    public const string Supported = "CosineSimilarity, CosineDistance, DotProductSimilarity, NegativeDotProductSimilarity, EuclideanDistance, EuclideanSquaredDistance, ManhattanDistance";

    public static bool IsSupported(string? function) => function is null
        or DistanceFunction.CosineSimilarity or DistanceFunction.CosineDistance or DistanceFunction.DotProductSimilarity
        or DistanceFunction.NegativeDotProductSimilarity or DistanceFunction.EuclideanDistance or DistanceFunction.EuclideanSquaredDistance
        or DistanceFunction.ManhattanDistance;

    /// <summary>Rows and queries are scaled to unit length, so the dot product is the cosine.</summary>
    public static bool Normalises(string function) => function is DistanceFunction.CosineSimilarity or DistanceFunction.CosineDistance;

    /// <summary>Closeness is a dot product (so the float16 first pass applies).</summary>
    public static bool IsDotFamily(string function) => function is not (DistanceFunction.EuclideanDistance or DistanceFunction.EuclideanSquaredDistance or DistanceFunction.ManhattanDistance);

    /// <summary>Higher scores are closer (similarities); otherwise lower scores are (distances).</summary>
    public static bool HigherIsCloser(string function) => function is DistanceFunction.CosineSimilarity or DistanceFunction.DotProductSimilarity;

    /// <summary>The score a function reports for a closeness.</summary>
    public static double Score(string function, double closeness) => function switch
    {
        DistanceFunction.CosineDistance => 1 - closeness,
        DistanceFunction.NegativeDotProductSimilarity => -closeness,
        DistanceFunction.EuclideanDistance or DistanceFunction.EuclideanSquaredDistance or DistanceFunction.ManhattanDistance => -closeness,
        _ => closeness,
    };

    /// <summary>Whether a score passes a threshold: similarities at or above it, distances at or below (as the InMemory provider).</summary>
    public static bool Passes(string function, double score, double? threshold) =>
        threshold is not { } t || (HigherIsCloser(function) ? score >= t : score <= t);
}
