using D2LLM.Tensors;

namespace D2LLM.Models.Qwen;

/// <summary>What a training forward pass of <see cref="QwenModel"/> keeps for its backward pass, layer by layer.</summary>
internal sealed class QwenPassState(TensorArena arena)
{
    /// <summary>Where the pass's tensors live; back in the model's pool once the backward pass has run.</summary>
    public TensorArena Arena { get; } = arena;

    public List<QwenLayerActivations> Layers { get; } = new();
    public Tensor? FinalInput { get; set; }
    public Tensor? FinalRstd { get; set; }
}
