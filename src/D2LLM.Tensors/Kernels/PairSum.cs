using System.Numerics.Tensors;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Row gather-add: y[p] = a[ia[p]] + b[ib[p]] for pairs p. The IEM's first layer over [u; v] splits as
/// W1u·u + W1v·v, so pair scores come from per-query and per-passage projections computed once each.
/// Backward scatters: da[ia[p]] += dy[p];  db[ib[p]] += dy[p].
/// </summary>
public static class PairSum
{
    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<int> ia, ReadOnlySpan<int> ib, Span<float> y, int width)
    {
        for (int p = 0; p < ia.Length; p++)
            TensorPrimitives.Add(a.Slice(ia[p] * width, width), b.Slice(ib[p] * width, width), y.Slice(p * width, width));
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> ia, ReadOnlySpan<int> ib, Span<float> da, Span<float> db, int width)
    {
        for (int p = 0; p < ia.Length; p++)
        {
            var row = dy.Slice(p * width, width);
            if (!da.IsEmpty) TensorPrimitives.Add(da.Slice(ia[p] * width, width), row, da.Slice(ia[p] * width, width));
            if (!db.IsEmpty) TensorPrimitives.Add(db.Slice(ib[p] * width, width), row, db.Slice(ib[p] * width, width));
        }
    }
}
