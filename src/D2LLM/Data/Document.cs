namespace D2LLM.Data;

/// <summary>
/// A document to index: its id, its text (title first, when there is one), its other fields (strings, integers,
/// numbers, booleans, lists of strings) and where it came from (a file, and the line for JSON Lines).
/// </summary>
public sealed record Document(string Id, string Text, IReadOnlyDictionary<string, object?> Fields, string Source, int? Line)
{
    /// <summary>"file:line", or the file.</summary>
    public string Where => Line is int line ? $"{Source}:{line}" : Source;
}
