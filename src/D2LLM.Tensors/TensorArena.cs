namespace D2LLM.Tensors;

/// <summary>
/// Buffers an inference pass reuses from one call to the next. A pass takes its tensors in the same order every call;
/// each <see cref="Take"/> hands out a view over the next buffer, grown (never shrunk, with an eighth to spare) when a
/// batch needs more. Batches of varying shape then stop costing fresh arrays — their page faults, and garbage the
/// collector frees late — once the largest has been seen. Values start as whatever the last pass left. One pass at a
/// time owns an arena.
/// </summary>
public sealed class TensorArena
{
    private readonly List<float[]> _buffers = [];
    private int _next;

    /// <summary>Starts a pass: the next <see cref="Take"/> returns a view over the first buffer again.</summary>
    public void Reset() => _next = 0;

    public Tensor Take(params int[] shape)
    {
        long needed = Tensor.ElementCount(shape);
        if (_next == _buffers.Count) _buffers.Add([]);
        if (_buffers[_next].Length < needed)
            _buffers[_next] = GC.AllocateUninitializedArray<float>((int)Math.Min(Array.MaxLength, needed + needed / 8));
        return Tensor.View(_buffers[_next++], shape);
    }

    /// <summary>As <see cref="Take"/>, zeroed: for kernels that add into their output (backward passes' temporaries).</summary>
    public Tensor TakeZeroed(IKernels k, params int[] shape)
    {
        var t = Take(shape);
        k.Zero(t);
        return t;
    }
}
