using D2LLM.Tensors;

namespace D2LLM.Models;

/// <summary>
/// A model's inference workspace kept between calls: fresh arrays of an activation's size cost more in page faults
/// and garbage than the layers cost to run. Taken with an atomic exchange, so a concurrent caller works in an arena
/// of its own (and one of them is kept afterwards).
/// </summary>
internal sealed class SpareArena
{
    private TensorArena? _spare;

    public T Use<T>(Func<TensorArena, T> pass)
    {
        var arena = Interlocked.Exchange(ref _spare, null) ?? new TensorArena();
        arena.Reset();
        try
        {
            return pass(arena);
        }
        finally
        {
            Volatile.Write(ref _spare, arena);
        }
    }

    /// <summary>
    /// A backward pass through <paramref name="layers"/> layers, last first: each layer's temporaries are zeroed views
    /// (the backward kernels add into their outputs) taken from the workspace and reset between layers, so fresh arrays
    /// per layer — gigabytes of garbage per pass for a 0.5B model (bench train) — are never made. A layer must leave its
    /// result outside the workspace.
    /// </summary>
    public void LayersInReverse(IKernels k, int layers, Action<int, Func<int[], Tensor>> layer) => Use(arena =>
    {
        for (int i = layers - 1; i >= 0; i--)
        {
            arena.Reset();
            layer(i, shape => arena.TakeZeroed(k, shape));
        }

        return 0;
    });
}
