using System.Text.Json;

namespace D2LLM.Encoders.Tests;

/// <summary>BEIR SciFact in the shared data folder beside the repository (found by walking up from the test assembly).</summary>
internal static class SciFact
{
    public static string Folder { get; } = Locate();

    /// <summary>
    /// The first <paramref name="count"/> abstracts of the corpus and those named in <paramref name="alsoIds"/>: title and
    /// text, as BEIR evaluations join them.
    /// </summary>
    public static List<string> Abstracts(int count, params string[] alsoIds) =>
        File.ReadLines(Path.Combine(Folder, "corpus.jsonl")).Select((line, i) =>
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            return i < count || alsoIds.Contains(e.GetProperty("_id").GetString())
                ? $"{e.GetProperty("title").GetString()} {e.GetProperty("text").GetString()}".Trim() : null;
        }).OfType<string>().ToList();

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "scifact");
            if (Directory.Exists(candidate)) return candidate;
        }

        throw new DirectoryNotFoundException("shared/data/scifact not found above " + AppContext.BaseDirectory);
    }
}
