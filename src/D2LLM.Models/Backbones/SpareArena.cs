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
}
