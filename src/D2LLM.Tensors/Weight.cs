using System.Runtime.InteropServices;

namespace D2LLM.Tensors;

/// <summary>
/// A read-only tensor in its storage dtype — float32, bf16 or f16 — held in place: a memory-mapped checkpoint
/// region or a managed array. Frozen model weights stay bf16 this way (half the memory of float32) and are
/// widened block by block inside the kernels.
/// </summary>
public sealed unsafe class Weight
{
    private readonly Array? _array;
    private readonly void* _pointer;

    private Weight(DType dtype, int[] shape, Array? array, void* pointer)
    {
        DType = dtype;
        Shape = shape.ToArray();
        Length = checked((int)Tensor.ElementCount(shape));
        _array = array;
        _pointer = pointer;
    }

    public DType DType { get; }
    public int[] Shape { get; }
    public int Length { get; }
    public int Rows => Shape.Length == 1 ? 1 : Shape[0];
    public int Columns => Shape[^1];

    /// <summary>Wraps memory owned elsewhere (a mapped file) that outlives this weight.</summary>
    public static Weight FromPointer(DType dtype, int[] shape, void* pointer) => new(dtype, shape, null, pointer);

    /// <summary>Wraps an array of float, <see cref="BFloat16"/> or <see cref="Half"/> without copying.</summary>
    public static Weight FromArray<T>(T[] data, params int[] shape) where T : unmanaged
    {
        var weight = new Weight(DTypes.Of<T>(), shape, data, null);
        if (data.Length != weight.Length) throw new ArgumentException($"shape [{string.Join(", ", shape)}] needs {weight.Length} values, got {data.Length}");
        return weight;
    }

    public ReadOnlySpan<T> Span<T>() where T : unmanaged
    {
        if (DTypes.Of<T>() != DType) throw new InvalidOperationException($"weight is {DType}, not {DTypes.Of<T>()}");
        return _array is not null ? MemoryMarshal.Cast<byte, T>(MemoryMarshal.AsBytes(ArraySpan())) : new ReadOnlySpan<T>(_pointer, Length);
    }

    /// <summary>The stored little-endian bytes (for writing the tensor back out unchanged).</summary>
    public ReadOnlySpan<byte> Bytes() => _array is not null ? MemoryMarshal.AsBytes(ArraySpan()) : new ReadOnlySpan<byte>(_pointer, Length * DTypes.SizeOf(DType));

    /// <summary>Element i widened to float32.</summary>
    public float this[int i] => DType switch
    {
        DType.F32 => Span<float>()[i],
        DType.BF16 => Span<BFloat16>()[i].ToSingle(),
        _ => (float)Span<Half>()[i],
    };

    /// <summary>A float32 copy of row <paramref name="row"/> of a matrix.</summary>
    public void ReadRow(int row, Span<float> destination)
    {
        switch (DType)
        {
            case DType.F32: Widening.ToSingle(Span<float>().Slice(row * Columns, Columns), destination); break;
            case DType.BF16: Widening.ToSingle(Span<BFloat16>().Slice(row * Columns, Columns), destination); break;
            default: Widening.ToSingle(Span<Half>().Slice(row * Columns, Columns), destination); break;
        }
    }

    private ReadOnlySpan<byte> ArraySpan() => _array switch
    {
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
        BFloat16[] b => MemoryMarshal.AsBytes(b.AsSpan()),
        Half[] h => MemoryMarshal.AsBytes(h.AsSpan()),
        _ => throw new InvalidOperationException("unsupported weight array"),
    };
}
