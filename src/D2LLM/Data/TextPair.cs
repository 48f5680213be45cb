namespace D2LLM.Data;

/// <summary>Two texts and their label: a similarity score (STS) or a class (1 = match / entailment, 0 = not).</summary>
public sealed record TextPair(string Text1, string Text2, double Label);
