namespace D2LLM.Tensors;

/// <summary>Sizes and names of <see cref="DType"/> values.</summary>
public static class DTypes
{
    public static int SizeOf(DType type) => type switch
    {
        DType.F32 => 4,
        DType.BF16 => 2,
        DType.F16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown dtype"),
    };

    /// <summary>The dtype for a CLR element type used as storage: float, <see cref="BFloat16"/> or <see cref="Half"/>.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.F32;
        if (typeof(T) == typeof(BFloat16)) return DType.BF16;
        if (typeof(T) == typeof(Half)) return DType.F16;
        throw new NotSupportedException($"element type {typeof(T).Name} is not a tensor storage type (float, BFloat16, Half)");
    }
}
