using System.Text.Json;
using D2LLM.Teacher;

namespace D2LLM.Training;

/// <summary>
/// Listwise teacher rankings kept in a JSON Lines file, one line per (query, candidate list), appended and flushed as
/// each is made, so an interrupted run ranks no list twice; a torn or damaged line (killed mid-write) is ignored and
/// its list ranked again. The first line names the teacher (<see cref="TeacherIdentity"/>): another teacher's
/// rankings are refused, never reused.
/// </summary>
public sealed class RankingStore : IDisposable
{
    private readonly Dictionary<string, int[]> _rankings = new(StringComparer.Ordinal);
    private readonly StreamWriter _writer;

    public RankingStore(string path, TeacherIdentity teacher)
    {
        Path = path;
        bool fresh = !File.Exists(path) || new FileInfo(path).Length == 0;
        if (!fresh)
        {
            CheckTeacher(path, teacher);
            foreach (var line in File.ReadLines(path).Skip(1))
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
        if (fresh) _writer.WriteLine(JsonSerializer.Serialize(new { teacher }));
        else _writer.WriteLine(); // start clean after a torn tail
        _writer.Flush();
    }

    private static void CheckTeacher(string path, TeacherIdentity teacher)
    {
        string first = File.ReadLines(path).First();
        TeacherIdentity? found = null;
        try
        {
            if (JsonDocument.Parse(first).RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("teacher", out var t))
                found = TeacherIdentity.FromJson(t.GetRawText());
        }
        catch (JsonException)
        {
        }

        if (found is null) throw new InvalidDataException($"{path}: does not name the teacher that ranked it (an earlier d2llm's file, or not a ranking file); delete it to rank again");
        if (teacher.Difference(found) is { } difference)
            throw new InvalidDataException($"{path}: rankings of another teacher: {difference}; delete the file to rank again, or use another output folder");
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
