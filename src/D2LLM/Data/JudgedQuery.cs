namespace D2LLM.Data;

/// <summary>A query and the corpus documents relevant to it.</summary>
public sealed record JudgedQuery(string Id, string Text, IReadOnlySet<int> Positives, IReadOnlyList<int> GivenNegatives);
