namespace D2LLM.Tensors;

/// <summary>A dense row-major float32 tensor: a shape over one array. Kernels take its <see cref="Span"/>.</summary>
public sealed class Tensor
{
    public Tensor(params int[] shape)
        : this(new float[checked((int)ElementCount(shape))], shape)
    {
    }

    public Tensor(float[] data, params int[] shape)
    {
        if (ElementCount(shape) != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] needs {ElementCount(shape)} values, got {data.Length}");
        Data = data;
        Shape = shape.ToArray();
    }

    /// <summary>A tensor over an existing array (a parameter's values or gradient) without copying.</summary>
    public static Tensor Wrap(float[] data, params int[] shape) => new(data, shape);

    public float[] Data { get; }
    public int[] Shape { get; }
    public int Rank => Shape.Length;
    public int Length => Data.Length;
    public Span<float> Span => Data;

    public int Dim(int axis) => Shape[axis < 0 ? Shape.Length + axis : axis];

    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension {d}");
            n *= d;
        }

        return n;
    }

    public override string ToString() => $"Tensor[{string.Join(", ", Shape)}]";
}
