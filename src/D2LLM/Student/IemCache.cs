using D2LLM.Tensors;

namespace D2LLM.Student;

/// <summary>What an IEM forward pass keeps for its backward pass.</summary>
public sealed class IemCache
{
    internal Tensor? U, V, PU, PV, Pre, G, FPre, F;
    internal int[]? Q, D;
    internal IemTask Task;
}
