using System.IO.Hashing;
using System.Text;
using D2LLM.Teacher;

namespace D2LLM.Training;

/// <summary>
/// An append-only file of teacher judgements that survives kill -9: each record holds the pair's texts, the
/// yes/no logits and the feature vector, and ends with a checksum. Records are flushed to the OS as each query's
/// group completes; on open, a torn or corrupt tail is cut off and everything before it is kept. The header names
/// the teacher (folder, prompt, words, temperature), so judgements of another teacher are never mixed in.
/// </summary>
public sealed class JudgementStore : IDisposable
{
    private const string Magic = "D2LLM-JUDGEMENTS-1";
    private readonly FileStream _stream;

    private JudgementStore(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens or creates the store and returns the judgements already in it.</summary>
    public static (JudgementStore Store, List<(string Query, string Passage, TeacherScore Score)> Existing) Open(string path, string teacherIdentity, float temperature)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var existing = new List<(string, string, TeacherScore)>();
        string header = $"{Magic}\n{teacherIdentity}\n";
        var headerBytes = Encoding.UTF8.GetBytes(header);
        if (stream.Length == 0)
        {
            stream.Write(headerBytes);
            stream.Flush();
            return (new JudgementStore(stream, path), existing);
        }

        var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var found = reader.ReadBytes(headerBytes.Length);
        if (!found.AsSpan().SequenceEqual(headerBytes))
        {
            stream.Dispose();
            throw new InvalidDataException($"{path}: holds judgements of another teacher or prompt (or is not a judgement file); use another output folder");
        }

        long good = stream.Position;
        while (TryRead(reader, temperature, out var record))
        {
            existing.Add(record);
            good = stream.Position;
        }

        stream.SetLength(good);
        stream.Position = good;
        return (new JudgementStore(stream, path), existing);
    }

    /// <summary>The teacher identity a store was written for (its header), or a clear error for another file.</summary>
    public static string ReadIdentity(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        if (reader.ReadLine() != Magic) throw new InvalidDataException($"{path}: not a teacher judgement file");
        return reader.ReadLine() ?? throw new InvalidDataException($"{path}: truncated header");
    }

    /// <summary>
    /// Merges stores of one teacher (e.g. the shards of a split run) into <paramref name="output"/>, each pair once;
    /// returns the number of pairs.
    /// </summary>
    public static int Merge(IReadOnlyList<string> inputs, string output, float temperature)
    {
        if (inputs.Count == 0) throw new ArgumentException("merge needs at least one input");
        string identity = ReadIdentity(inputs[0]);
        string temp = output + ".partial";
        File.Delete(temp);
        var seen = new HashSet<(string, string)>();
        try
        {
            var (store, _) = Open(temp, identity, temperature);
            using (store)
            {
                foreach (var input in inputs)
                {
                    if (ReadIdentity(input) != identity) throw new InvalidDataException($"{input}: judgements of another teacher or prompt than {inputs[0]}");
                    var (source, records) = Open(input, identity, temperature);
                    source.Dispose();
                    foreach (var (q, p, score) in records)
                        if (seen.Add((q, p))) store.Append(q, p, score);
                }
            }

            File.Move(temp, output, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }

        return seen.Count;
    }

    public void Append(string query, string passage, TeacherScore score)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(query);
            w.Write(passage);
            w.Write(score.YesLogit);
            w.Write(score.NoLogit);
            var feature = score.Feature ?? Array.Empty<float>();
            w.Write(feature.Length);
            foreach (float f in feature) w.Write(f);
        }

        var body = buffer.ToArray();
        Span<byte> prefix = stackalloc byte[4];
        BitConverter.TryWriteBytes(prefix, body.Length);
        _stream.Write(prefix);
        _stream.Write(body);
        Span<byte> checksum = stackalloc byte[4];
        BitConverter.TryWriteBytes(checksum, Crc32.HashToUInt32(body));
        _stream.Write(checksum);
    }

    /// <summary>Hands what was appended to the OS, so a killed process loses nothing acknowledged.</summary>
    public void Flush() => _stream.Flush(flushToDisk: false);

    public void Dispose()
    {
        _stream.Flush();
        _stream.Dispose();
    }

    private static bool TryRead(BinaryReader reader, float temperature, out (string, string, TeacherScore) record)
    {
        record = default;
        var stream = reader.BaseStream;
        if (stream.Length - stream.Position < 8) return false;
        int length = reader.ReadInt32();
        if (length < 0 || length > stream.Length - stream.Position - 4) return false;
        var body = reader.ReadBytes(length);
        if (reader.ReadUInt32() != Crc32.HashToUInt32(body)) return false;
        using var r = new BinaryReader(new MemoryStream(body), Encoding.UTF8);
        string query = r.ReadString(), passage = r.ReadString();
        float yes = r.ReadSingle(), no = r.ReadSingle();
        var feature = new float[r.ReadInt32()];
        for (int i = 0; i < feature.Length; i++) feature[i] = r.ReadSingle();
        record = (query, passage, new TeacherScore(yes, no, 1 / (1 + Math.Exp((no - yes) / temperature)), feature.Length > 0 ? feature : null));
        return true;
    }
}
