namespace D2LLM.Models;

/// <summary>Projections of a decoder layer that LoRA can adapt (peft's q_proj … down_proj).</summary>
public enum LoraTarget
{
    Q,
    K,
    V,
    O,
    Gate,
    Up,
    Down,
}
