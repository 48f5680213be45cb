using System.Text.Json;
using D2LLM.Data;

namespace D2LLM.Tests;

/// <summary>A small retrieval task the recipes learn something from, written to a triplet file.</summary>
internal static class SyntheticTask
{
    /// <summary>A triplet file of <paramref name="count"/> queries: each positive shares the query's two topic words, the negative shares one.</summary>
    public static RetrievalTask Write(string dir, int count)
    {
        var words = "amber basil cedar delta ember fjord glade heron iris juniper kelp lotus".Split(' ');
        string path = Path.Combine(dir, "triplets.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(i =>
        {
            string a = words[i % words.Length], b = words[i * 5 % words.Length];
            return JsonSerializer.Serialize(new { query = $"tell me about {a} {b} ({i})", pos = new[] { $"{a} and {b} explained, entry {i}" }, neg = new[] { $"{a} alone, entry {i}" } });
        }));
        return RetrievalTask.Load(path);
    }
}
