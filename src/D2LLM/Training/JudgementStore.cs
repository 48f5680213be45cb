using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Text;
using D2LLM.Teacher;

namespace D2LLM.Training;

/// <summary>
/// An append-only file of teacher judgements that survives kill -9: each record holds the pair's texts, the
/// yes/no logits and the feature vector, framed by its length and a checksum. Records are flushed to the OS as each
/// query's group completes. On open, a torn tail is cut off; a damaged record in the middle (a flipped byte) is
/// skipped by searching for the next intact frame, and the file is rewritten without it (atomically), so one bad
/// byte costs one record, not every later one. The header names the teacher (<see cref="TeacherIdentity"/>: weights
/// digest, prompt, words, temperature), so judgements of another teacher are never mixed in.
/// </summary>
public sealed class JudgementStore : IDisposable
{
    private const string Magic = "D2LLM-JUDGEMENTS-2";
    private const string OldMagic = "D2LLM-JUDGEMENTS-1";

    // A record holds two texts and one hidden state: far below this; a larger length field is damage.
    private const int MaxRecordBytes = 64 << 20;

    private readonly FileStream _stream;

    private JudgementStore(FileStream stream, string path, long skippedBytes)
    {
        _stream = stream;
        Path = path;
        SkippedBytes = skippedBytes;
    }

    public string Path { get; }

    /// <summary>Bytes of damaged records dropped on open (their pairs are judged again); 0 for an intact file.</summary>
    public long SkippedBytes { get; }

    /// <summary>Opens or creates the store and returns the judgements already in it.</summary>
    public static (JudgementStore Store, List<(string Query, string Passage, TeacherScore Score)> Existing) Open(string path, TeacherIdentity teacher)
    {
        var existing = new List<(string, string, TeacherScore)>();
        long skipped = 0;
        if (File.Exists(path) && new FileInfo(path).Length > 0)
        {
            var found = ReadIdentity(path);
            if (teacher.Difference(found) is { } difference)
                throw new InvalidDataException($"{path}: judgements of another teacher: {difference}; delete the file to judge again, or use another output folder");
            skipped = Scan(path, teacher.Temperature, existing, out long end, out bool damagedInside);
            if (damagedInside) Rewrite(path, teacher, existing);
            else if (end < new FileInfo(path).Length)
            {
                using var tail = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
                tail.SetLength(end);
            }
        }

        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (stream.Length == 0)
        {
            stream.Write(Header(teacher));
            stream.Flush();
        }

        stream.Position = stream.Length;
        return (new JudgementStore(stream, path, skipped), existing);
    }

    /// <summary>The teacher a store was written for (its header), or a clear error for another file.</summary>
    public static TeacherIdentity ReadIdentity(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        string? magic = reader.ReadLine();
        if (magic == OldMagic)
            throw new InvalidDataException($"{path}: written by an earlier d2llm that did not record the teacher's weights; delete it to judge again");
        if (magic != Magic) throw new InvalidDataException($"{path}: not a teacher judgement file");
        return TeacherIdentity.FromJson(reader.ReadLine()) ?? throw new InvalidDataException($"{path}: damaged header (no teacher identity)");
    }

    /// <summary>
    /// Merges stores of one teacher (e.g. the shards of a split run) into <paramref name="output"/>, each pair once;
    /// returns the number of pairs.
    /// </summary>
    public static int Merge(IReadOnlyList<string> inputs, string output)
    {
        if (inputs.Count == 0) throw new ArgumentException("merge needs at least one input", nameof(inputs));
        var identity = ReadIdentity(inputs[0]);
        string temp = output + ".partial";
        File.Delete(temp);
        var seen = new HashSet<(string, string)>();
        try
        {
            var (store, _) = Open(temp, identity);
            using (store)
            {
                foreach (var input in inputs)
                {
                    if (identity.Difference(ReadIdentity(input)) is { } difference)
                        throw new InvalidDataException($"{input}: judgements of another teacher than {inputs[0]}: {difference}");
                    var records = new List<(string Query, string Passage, TeacherScore Score)>();
                    Scan(input, identity.Temperature, records, out _, out _);
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

    public void Append(string query, string passage, TeacherScore score) => WriteRecord(_stream, query, passage, score);

    /// <summary>Hands what was appended to the OS, so a killed process loses nothing acknowledged.</summary>
    public void Flush() => _stream.Flush(flushToDisk: false);

    public void Dispose()
    {
        _stream.Flush();
        _stream.Dispose();
    }

    private static byte[] Header(TeacherIdentity teacher) => Encoding.UTF8.GetBytes($"{Magic}\n{teacher.ToJson()}\n");

    // Frame: int32 length, body (query, passage, yes, no, feature count, features), CRC-32 of the body.
    private static void WriteRecord(Stream stream, string query, string passage, TeacherScore score)
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
        Span<byte> frame = stackalloc byte[4];
        BitConverter.TryWriteBytes(frame, body.Length);
        stream.Write(frame);
        stream.Write(body);
        BitConverter.TryWriteBytes(frame, Crc32.HashToUInt32(body));
        stream.Write(frame);
    }

    /// <summary>
    /// Reads every intact record after the header into <paramref name="records"/>; returns the bytes skipped. A frame
    /// that fails is searched past byte by byte: if an intact frame follows, the damage was inside the file
    /// (<paramref name="damagedInside"/>); if none does, it was a torn tail, which ends at <paramref name="end"/>.
    /// The file is memory-mapped: stores of 10^6 pairs pass 2 GB.
    /// </summary>
    private static unsafe long Scan(string path, float temperature, List<(string, string, TeacherScore)> records, out long end, out bool damagedInside)
    {
        long length = new FileInfo(path).Length;
        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* bytes = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref bytes);
        try
        {
            bytes += view.PointerOffset;
            var file = new MappedBytes(bytes, length);
            long position = file.LineEnd(file.LineEnd(0));
            long skipped = 0;
            damagedInside = false;
            end = position;
            while (position < length)
            {
                if (TryRead(file, position, temperature, out var record, out long next))
                {
                    records.Add(record);
                    position = end = next;
                    continue;
                }

                long resume = position + 1;
                while (resume < length && !TryRead(file, resume, temperature, out _, out _)) resume++;
                if (resume >= length) break;
                skipped += resume - position;
                damagedInside = true;
                position = resume;
            }

            return skipped + (length - end);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>A mapped file's bytes, read in spans of at most a record.</summary>
    private readonly unsafe struct MappedBytes(byte* start, long length)
    {
        public long Length => length;

        public ReadOnlySpan<byte> Slice(long position, int count) => new(start + position, count);

        /// <summary>The position after the newline that ends the line starting at <paramref name="position"/>.</summary>
        public long LineEnd(long position)
        {
            while (position < length && start[position] != (byte)'\n') position++;
            return Math.Min(position + 1, length);
        }
    }

    private static bool TryRead(MappedBytes file, long position, float temperature, out (string, string, TeacherScore) record, out long next)
    {
        record = default;
        next = position;
        if (file.Length - position < 8) return false;
        int length = BitConverter.ToInt32(file.Slice(position, 4));
        if (length < 0 || length > MaxRecordBytes || length > file.Length - position - 8) return false;
        var body = file.Slice(position + 4, length);
        if (BitConverter.ToUInt32(file.Slice(position + 4 + length, 4)) != Crc32.HashToUInt32(body)) return false;
        try
        {
            using var r = new BinaryReader(new MemoryStream(body.ToArray(), writable: false), Encoding.UTF8);
            string query = r.ReadString(), passage = r.ReadString();
            float yes = r.ReadSingle(), no = r.ReadSingle();
            int count = r.ReadInt32();
            if (count < 0 || count * 4L != length - r.BaseStream.Position) return false;
            var feature = new float[count];
            for (int i = 0; i < feature.Length; i++) feature[i] = r.ReadSingle();
            record = (query, passage, new TeacherScore(yes, no, 1 / (1 + Math.Exp((no - yes) / temperature)), feature.Length > 0 ? feature : null));
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }

        next = position + 8 + length;
        return true;
    }

    /// <summary>Replaces the file by one holding only the intact records: written beside it, then renamed over it.</summary>
    private static void Rewrite(string path, TeacherIdentity teacher, List<(string Query, string Passage, TeacherScore Score)> records)
    {
        string temp = path + ".partial";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                stream.Write(Header(teacher));
                foreach (var (q, p, score) in records) WriteRecord(stream, q, p, score);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
