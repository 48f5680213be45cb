namespace D2LLM.Data;

/// <summary>A text with its id (a corpus document or a query).</summary>
public sealed record TextItem(string Id, string Text);
