namespace D2LLM.Tensors;

/// <summary>A dense row-major float32 tensor: a shape over one array. Kernels take its <see cref="Span"/>.</summary>
public sealed class Tensor
{
    public Tensor(params int[] shape)
        : this(new float[checked((int)ElementCount(shape))], shape)
    {
    }

    public Tensor(float[] data, params int[] shape)
        : this(data, shape, view: false)
    {
    }

    private Tensor(float[] data, int[] shape, bool view)
    {
        long count = ElementCount(shape);
        if (view ? count > data.Length : count != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] needs {count} values, got {data.Length}");
        Data = data;
        Shape = shape.ToArray();
        Length = (int)count;
    }

    /// <summary>A tensor over an existing array (a parameter's values or gradient) without copying.</summary>
    public static Tensor Wrap(float[] data, params int[] shape) => new(data, shape);

    /// <summary>A tensor over the first values of a buffer that may be longer (a reused workspace, see <see cref="TensorArena"/>).</summary>
    public static Tensor View(float[] buffer, params int[] shape) => new(buffer, shape, view: true);

    /// <summary>The backing array: longer than <see cref="Length"/> for a <see cref="View"/>.</summary>
    public float[] Data { get; }
    public int[] Shape { get; }
    public int Rank => Shape.Length;
    public int Length { get; }
    public Span<float> Span => Data.AsSpan(0, Length);

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
