using D2LLM.Tensors;

namespace D2LLM.Training;

/// <summary>Token states of a set of texts, packed, with what the encoder needs for its backward pass.</summary>
public sealed class EncodedTexts(Tensor states, int[] starts, object? pass)
{
    public Tensor States { get; } = states;
    public int[] Starts { get; } = starts;
    internal object? Pass { get; } = pass;
}
