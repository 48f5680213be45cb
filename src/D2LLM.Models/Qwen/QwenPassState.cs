using D2LLM.Tensors;

namespace D2LLM.Models.Qwen;

/// <summary>What a training forward pass of <see cref="QwenModel"/> keeps for its backward pass, layer by layer.</summary>
internal sealed class QwenPassState
{
    public List<QwenLayerActivations> Layers { get; } = new();
    public Tensor? FinalInput { get; set; }
    public Tensor? FinalRstd { get; set; }
}
