using System.Runtime.InteropServices;
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
