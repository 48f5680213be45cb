namespace D2LLM.Storage;

/// <summary>
/// A stored record: key, text, metadata and vector. Metadata values are strings, integers (long), numbers (double),
/// booleans or string lists — what filters can test and what Qdrant payloads hold.
/// </summary>
public sealed record VectorRecord(VectorKey Key, string Text, IReadOnlyDictionary<string, object?> Metadata, float[]? Vector);

/// <summary>One search hit: the record (vector only when asked for) and its similarity score.</summary>
public sealed record VectorSearchHit(VectorRecord Record, double Score);

/// <summary>How similarity is measured; scores are higher for closer vectors (Qdrant's conventions).</summary>
public enum VectorDistance
{
    Cosine,
    Dot,
    Euclidean,
}

/// <summary>What a collection is: its vector size and distance.</summary>
public sealed record CollectionOptions(int Dimensions, VectorDistance Distance = VectorDistance.Cosine);

/// <summary>Options of <see cref="IVectorCollection.SearchAsync"/>.</summary>
public sealed class VectorSearchOptions
{
    public int Top { get; set; } = 10;
    public VectorFilter? Filter { get; set; }

    /// <summary>Leave out hits scoring below this (for Euclidean: hits farther than it).</summary>
    public double? ScoreThreshold { get; set; }

    public bool IncludeVectors { get; set; }
}
