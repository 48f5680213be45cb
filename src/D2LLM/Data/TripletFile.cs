namespace D2LLM.Data;

/// <summary>Triplet JSON Lines, read as a stream: <c>{"query": "...", "pos": [...], "neg": [...]}</c> (a single string is accepted for pos and neg).</summary>
public static class TripletFile
{
    /// <summary>True when the first non-blank line of a .jsonl file has query and pos fields.</summary>
    public static bool Recognises(string path)
    {
        if (!File.Exists(path) || !path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) return false;
        var first = DataLines.Read(path).Select(l => l.Text).FirstOrDefault();
        return first is not null && first.Contains("\"query\"", StringComparison.Ordinal) && first.Contains("\"pos\"", StringComparison.Ordinal);
    }

    public static IEnumerable<Triplet> Read(string path)
    {
        foreach (var (line, e) in DataLines.ReadJson(path))
        {
            string query = DataLines.String(e, "query", path, line);
            var positives = DataLines.Strings(e, "pos", path, line);
            if (positives.Count == 0) throw new DataLineException(path, line, $"field \"pos\" is empty");
            var negatives = e.TryGetProperty("neg", out _) ? DataLines.Strings(e, "neg", path, line) : new List<string>();
            yield return new Triplet(query, positives, negatives);
        }
    }
}
