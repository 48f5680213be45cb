using System.Text.Json;

namespace D2LLM.Training;

/// <summary>
/// Listwise teacher rankings kept in a JSON Lines file, one line per (query, candidate list), appended and flushed as
/// each is made, so an interrupted run ranks no list twice; a torn last line (killed mid-write) is ignored.
/// </summary>
public sealed class RankingStore : IDisposable
{
    private readonly Dictionary<string, int[]> _rankings = new(StringComparer.Ordinal);
    private readonly StreamWriter _writer;

    public RankingStore(string path)
    {
        Path = path;
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                try
                {
                    var e = JsonDocument.Parse(line).RootElement;
                    _rankings[e.GetProperty("key").GetString()!] = e.GetProperty("order").EnumerateArray().Select(x => x.GetInt32()).ToArray();
                }
                catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    // a torn line from a kill: that list is ranked again
                }
            }
        }

        _writer = new StreamWriter(path, append: true);
        if (new FileInfo(path).Length > 0) _writer.WriteLine(); // start clean after a torn tail
        _writer.Flush();
    }

    public string Path { get; }
    public int Count => _rankings.Count;

    /// <summary>The stored ranking of this list, or one made now by <paramref name="rank"/> and stored.</summary>
    public int[] GetOrAdd(string query, IReadOnlyList<string> candidates, Func<int[]> rank)
    {
        string key = Key(query, candidates);
        if (_rankings.TryGetValue(key, out var order) && order.Length == candidates.Count) return order;
        order = rank();
        _rankings[key] = order;
        _writer.WriteLine(JsonSerializer.Serialize(new { key, order }));
        _writer.Flush();
        return order;
    }

    private static string Key(string query, IReadOnlyList<string> candidates) =>
        System.IO.Hashing.XxHash128.Hash(System.Text.Encoding.UTF8.GetBytes(string.Join('\u0001', candidates.Prepend(query)))).Aggregate("", (s, b) => s + b.ToString("x2"));

    public void Dispose() => _writer.Dispose();
}
