namespace D2LLM.Tensors.Kernels;

/// <summary>Token embedding lookup: y[t] = table[ids[t]], the table in float32, bf16 or f16.</summary>
public static unsafe class Embedding
{
    public static void Forward<T>(ReadOnlySpan<int> ids, ReadOnlySpan<T> table, Span<float> y, int dim) where T : unmanaged
    {
        int vocab = table.Length / dim;
        fixed (T* t = table)
        fixed (float* o = y)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                int id = ids[i];
                if ((uint)id >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside the vocabulary of {vocab}");
                Widening.ToSingle(t + (long)id * dim, o + (long)i * dim, dim);
            }
        }
    }

    /// <summary>dtable[ids[t]] += dy[t].</summary>
    public static void Backward(ReadOnlySpan<int> ids, ReadOnlySpan<float> dy, Span<float> dtable, int dim)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            var row = dtable.Slice(ids[i] * dim, dim);
            System.Numerics.Tensors.TensorPrimitives.Add(row, dy.Slice(i * dim, dim), row);
        }
    }
}
