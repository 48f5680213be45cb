using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;
using D2LLM.Tensors;

namespace D2LLM.Models.Checkpoints;

/// <summary>
/// A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and [begin, end) byte range in the data section, then the data. Tensors are read in place; the
/// header is validated up front so that a bad file fails with one clear message naming the file and the tensor.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The largest header the safetensors format allows (its reference reader refuses more).</summary>
    public const ulong MaxHeaderBytes = 100_000_000;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly Dictionary<string, TensorInfo> _tensors;

    private SafetensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePointer,
        Dictionary<string, TensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePointer;
        _tensors = tensors;
        Metadata = metadata;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyCollection<TensorInfo> Tensors => _tensors.Values;

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        // Length from the opened file, not FileInfo: model folders are often symlinks (the Hugging Face cache).
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            stream.Dispose();
            throw Bad(path, $"file of {fileLength} bytes is shorter than the 8-byte header length");
        }

        var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* basePointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
        basePointer += view.PointerOffset;
        try
        {
            ulong headerLength = *(ulong*)basePointer;
            if (headerLength > MaxHeaderBytes)
                throw Bad(path, $"header length {headerLength} exceeds the format's limit of {MaxHeaderBytes} bytes (not a safetensors file, or a damaged one)");
            if (headerLength > (ulong)(fileLength - 8))
                throw Bad(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes)");
            var header = new ReadOnlySpan<byte>(basePointer + 8, (int)headerLength);
            long dataStart = 8 + (long)headerLength;
            var (tensors, metadata) = ParseHeader(path, header, dataStart, fileLength - dataStart);
            return new SafetensorsFile(path, map, view, basePointer, tensors, metadata);
        }
        catch
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            map.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public TensorInfo Info(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw Bad(Path, $"no tensor named '{name}'");

    /// <summary>The raw bytes of a tensor, in place.</summary>
    public ReadOnlySpan<byte> Bytes(string name)
    {
        var info = Info(name);
        return new ReadOnlySpan<byte>(_base + info.Offset, checked((int)info.ByteLength));
    }

    /// <summary>The tensor as a read-only <see cref="Weight"/> over the mapped file (valid until disposal).</summary>
    public Weight Weight(string name)
    {
        var info = Info(name);
        return D2LLM.Tensors.Weight.FromPointer(info.DType, info.Shape, _base + info.Offset);
    }

    /// <summary>The tensor's elements in place; <typeparamref name="T"/> must match its dtype.</summary>
    public ReadOnlySpan<T> Span<T>(string name) where T : unmanaged
    {
        var info = Info(name);
        if (DTypes.Of<T>() != info.DType)
            throw Bad(Path, $"tensor '{name}' is {info.DType}, not {DTypes.Of<T>()}");
        return MemoryMarshal.Cast<byte, T>(Bytes(name));
    }

    /// <summary>
    /// Whether every element is finite: a NaN or infinity in a weight (a damaged or diverged checkpoint) would otherwise
    /// surface far away, as a NaN score or an unwritable embedding. Read in blocks (bf16 widened first), in place.
    /// </summary>
    public bool IsFinite(string name)
    {
        var info = Info(name);
        const int Block = 1 << 16;
        byte* start = _base + info.Offset;
        float[]? widened = info.DType == DType.BF16 ? new float[Block] : null;
        for (long i = 0; i < info.ElementCount; i += Block)
        {
            int n = (int)Math.Min(Block, info.ElementCount - i);
            bool finite;
            switch (info.DType)
            {
                case DType.F32: finite = System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(new ReadOnlySpan<float>((float*)start + i, n)); break;
                case DType.F16: finite = System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(new ReadOnlySpan<Half>((Half*)start + i, n)); break;
                default:
                    fixed (float* w = widened) Widening.ToSingle((BFloat16*)start + i, w, n);
                    finite = System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(new ReadOnlySpan<float>(widened, 0, n));
                    break;
            }

            if (!finite) return false;
        }

        return true;
    }

    /// <summary>A float32 copy of the tensor, whatever its dtype.</summary>
    public float[] ReadFloats(string name)
    {
        var info = Info(name);
        var result = new float[info.ElementCount];
        fixed (float* dst = result)
        {
            byte* src = _base + info.Offset;
            switch (info.DType)
            {
                case DType.F32: Widening.ToSingle((float*)src, dst, result.Length); break;
                case DType.BF16: Widening.ToSingle((BFloat16*)src, dst, result.Length); break;
                default: Widening.ToSingle((Half*)src, dst, result.Length); break;
            }
        }

        return result;
    }

    public void Dispose()
    {
        if (_view is null) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map!.Dispose();
    }

    private static (Dictionary<string, TensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(
        string path, ReadOnlySpan<byte> header, long dataStart, long dataLength)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(header);
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"header is not valid JSON ({e.Message})");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "header is not a JSON object");
            var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>();
            var ranges = new List<(long Begin, long End, string Name)>();
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind == JsonValueKind.Object)
                        foreach (var m in property.Value.EnumerateObject()) metadata[m.Name] = m.Value.ToString();
                    continue;
                }

                if (tensors.ContainsKey(property.Name)) throw Bad(path, $"duplicate tensor name '{property.Name}'");
                var (info, begin, end) = ParseEntry(path, property, dataStart);
                if (end > dataLength)
                    throw Bad(path, $"truncated: tensor '{info.Name}' ends at byte {end} of the data section, which holds only {dataLength} bytes");
                tensors.Add(info.Name, info);
                ranges.Add((begin, end, info.Name));
            }

            ranges.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            for (int i = 1; i < ranges.Count; i++)
                if (ranges[i].Begin < ranges[i - 1].End)
                    throw Bad(path, $"tensors '{ranges[i - 1].Name}' and '{ranges[i].Name}' overlap in the data section");
            return (tensors, metadata);
        }
    }

    private static (TensorInfo Info, long Begin, long End) ParseEntry(string path, JsonProperty property, long dataStart)
    {
        string name = property.Name;
        var e = property.Value;
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Bad(path, $"tensor '{name}' needs dtype, shape and data_offsets [begin, end]");

        string dtypeText = dtypeElement.GetString()!;
        DType dtype = dtypeText switch
        {
            "F32" => DType.F32,
            "BF16" => DType.BF16,
            "F16" => DType.F16,
            _ => throw Bad(path, $"tensor '{name}' has unknown or unsupported dtype '{dtypeText}' (F32, BF16, F16 are read)"),
        };

        var shape = new int[shapeElement.GetArrayLength()];
        int axis = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int size) || size < 0)
                throw Bad(path, $"tensor '{name}' has an invalid shape {shapeElement.GetRawText()}");
            shape[axis++] = size;
        }

        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Bad(path, $"tensor '{name}' has out-of-range data_offsets {offsets.GetRawText()}");

        long expected = Tensor.ElementCount(shape) * DTypes.SizeOf(dtype);
        if (end - begin != expected)
            throw Bad(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes but data_offsets span {end - begin}");
        return (new TensorInfo(name, dtype, shape, dataStart + begin, end - begin), begin, end);
    }

    private static InvalidDataException Bad(string path, string message) => new($"{path}: {message}");
}
