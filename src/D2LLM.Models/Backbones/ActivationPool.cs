using System.Collections.Concurrent;
using D2LLM.Tensors;

namespace D2LLM.Models;

/// <summary>
/// Where training passes keep their activations: a forward pass rents an arena and takes every tensor its backward
/// pass reads from it; the backward pass returns it for the next forward. Without it each pass's activations (2.4 GB
/// for a 0.5B model at 8 × 128) were fresh arrays the GC freed only after the next pass had made its own: two passes'
/// worth at the peak. Passes alive together (a query batch and a passage batch) hold an arena each; a pass that never
/// runs backward leaves its arena to the GC.
/// </summary>
internal sealed class ActivationPool
{
    private readonly ConcurrentBag<TensorArena> _free = [];

    public TensorArena Rent()
    {
        if (!_free.TryTake(out var arena)) arena = new TensorArena();
        arena.Reset();
        return arena;
    }

    public void Return(TensorArena arena) => _free.Add(arena);
}
