using System.Numerics.Tensors;

namespace D2LLM.Tensors.Kernels;

/// <summary>Residual connection y = a + b; the gradient flows unchanged to both branches.</summary>
public static class Residual
{
    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Add(a, b, y);

    /// <summary>da += dy; db += dy (either may be empty).</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> da, Span<float> db)
    {
        if (!da.IsEmpty) TensorPrimitives.Add(da, dy, da);
        if (!db.IsEmpty) TensorPrimitives.Add(db, dy, db);
    }
}
