namespace D2LLM.Training;

/// <summary>One training query: its positive passage and mined hard negatives.</summary>
public sealed record TrainingExample(string Query, string Positive, IReadOnlyList<string> Negatives);
