namespace D2LLM.Data;

/// <summary>A query with its relevant passages and known non-relevant ones.</summary>
public sealed record Triplet(string Query, IReadOnlyList<string> Positives, IReadOnlyList<string> Negatives);
