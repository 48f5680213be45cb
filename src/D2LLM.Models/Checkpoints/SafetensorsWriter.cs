using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using D2LLM.Tensors;

namespace D2LLM.Models.Checkpoints;

/// <summary>One tensor to write: its name, storage dtype, shape and raw little-endian bytes.</summary>
public sealed record SafetensorsEntry(string Name, DType DType, int[] Shape, ReadOnlyMemory<byte> Data)
{
    /// <summary>Float32 values stored as <paramref name="storeAs"/> (bf16 rounds to nearest even).</summary>
    public static SafetensorsEntry FromFloats(string name, int[] shape, ReadOnlySpan<float> values, DType storeAs = DType.F32)
    {
        byte[] bytes = storeAs switch
        {
            DType.F32 => MemoryMarshal.AsBytes(values).ToArray(),
            DType.BF16 => MemoryMarshal.AsBytes<BFloat16>(Convert(values, BFloat16.FromSingle)).ToArray(),
            DType.F16 => MemoryMarshal.AsBytes<Half>(Convert(values, v => (Half)v)).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(storeAs)),
        };
        return new SafetensorsEntry(name, storeAs, shape, bytes);
    }

    private static T[] Convert<T>(ReadOnlySpan<float> values, Func<float, T> convert)
    {
        var result = new T[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = convert(values[i]);
        return result;
    }
}

/// <summary>
/// Writes safetensors files. The header is padded with spaces to an 8-byte boundary so that every tensor is
/// aligned; the file is written beside its destination and renamed into place, so a crash never leaves a
/// half-written checkpoint under the real name.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var t in list)
        {
            if (!names.Add(t.Name)) throw new ArgumentException($"duplicate tensor name '{t.Name}'");
            long expected = Tensor.ElementCount(t.Shape) * DTypes.SizeOf(t.DType);
            if (t.Data.Length != expected)
                throw new ArgumentException($"tensor '{t.Name}': shape [{string.Join(", ", t.Shape)}] of {t.DType} needs {expected} bytes, got {t.Data.Length}");
            header[t.Name] = new { dtype = t.DType.ToString(), shape = t.Shape, data_offsets = new[] { offset, offset + t.Data.Length } };
            offset += t.Data.Length;
        }

        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BitConverter.TryWriteBytes(length, (ulong)padded);
                stream.Write(length);
                stream.Write(json);
                for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
                foreach (var t in list) stream.Write(t.Data.Span);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
