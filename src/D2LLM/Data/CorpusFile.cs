namespace D2LLM.Data;

/// <summary>
/// A corpus as JSON Lines: BEIR's corpus.jsonl (_id, title, text) or plain {"text": "..."} lines (ids are then the
/// line numbers). Streamed; a bad line is reported with file, line and field.
/// </summary>
public static class CorpusFile
{
    /// <summary>True for a .jsonl file whose first line has "text" but none of the query/pair fields.</summary>
    public static bool Recognises(string path)
    {
        if (!File.Exists(path) || !path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) return false;
        var first = DataLines.ReadJson(path).Select(l => l.Json).FirstOrDefault();
        return first.ValueKind == System.Text.Json.JsonValueKind.Object && first.TryGetProperty("text", out _)
            && !new[] { "query", "text1", "sentence1", "s1", "premise" }.Any(n => first.TryGetProperty(n, out _));
    }

    /// <summary>The documents; with <paramref name="requireIds"/> (BEIR, where qrels refer to them) every line needs an _id.</summary>
    public static IEnumerable<TextItem> Read(string path, bool requireIds = false)
    {
        foreach (var (line, e) in DataLines.ReadJson(path))
        {
            string id = requireIds || e.TryGetProperty("_id", out _) ? DataLines.String(e, "_id", path, line) : line.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string title = e.TryGetProperty("title", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String ? t.GetString()! : "";
            string text = DataLines.String(e, "text", path, line);
            if (string.IsNullOrWhiteSpace(title) && string.IsNullOrWhiteSpace(text)) throw new DataLineException(path, line, $"field \"text\" is empty (and there is no title)");
            yield return new TextItem(id, title.Length > 0 ? title + " " + text : text);
        }
    }
}
