using D2LLM.Tensors;

namespace D2LLM.Student;

/// <summary>What a PMA forward pass keeps for its backward pass.</summary>
public sealed class PmaCache
{
    internal Tensor? X, Q, K, V, Probs, R0, R, Mean0, Rstd0, Z, Y, Mean1, Rstd1;
    internal int[]? Starts;
}
