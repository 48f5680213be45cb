using D2LLM.Tensors;

namespace D2LLM.Models.Qwen;

/// <summary>The weights of one decoder layer. Matrices keep their stored dtype; norms and biases are float32.</summary>
public sealed class QwenLayerWeights
{
    public required Weight InputNorm { get; init; }
    public required Weight PostAttentionNorm { get; init; }
    public required Weight Q { get; init; }
    public required Weight K { get; init; }
    public required Weight V { get; init; }
    public required Weight O { get; init; }
    public required Weight Gate { get; init; }
    public required Weight Up { get; init; }
    public required Weight Down { get; init; }
    public Weight? QBias { get; init; }
    public Weight? KBias { get; init; }
    public Weight? VBias { get; init; }
    public Weight? OBias { get; init; }

    /// <summary>Qwen3's per-head RMSNorm weights on queries and keys.</summary>
    public Weight? QNorm { get; init; }

    public Weight? KNorm { get; init; }

    /// <summary>The projection matrix a LoRA target name refers to.</summary>
    public Weight Projection(LoraTarget target) => target switch
    {
        LoraTarget.Q => Q,
        LoraTarget.K => K,
        LoraTarget.V => V,
        LoraTarget.O => O,
        LoraTarget.Gate => Gate,
        LoraTarget.Up => Up,
        _ => Down,
    };
}
