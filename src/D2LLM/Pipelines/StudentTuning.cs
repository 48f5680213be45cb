namespace D2LLM.Pipelines;

/// <summary>What D2LLM distillation trains besides the heads.</summary>
public enum StudentTuning
{
    /// <summary>LoRA adapters on the backbone and the heads (the paper's setting).</summary>
    Lora,

    /// <summary>The heads only, on cached states of the frozen backbone: faster, weaker.</summary>
    Heads,
}
