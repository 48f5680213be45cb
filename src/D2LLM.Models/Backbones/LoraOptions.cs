namespace D2LLM.Models;

/// <summary>LoRA settings: rank r, scale α/r, dropout on the adapter's input, and which projections get one.</summary>
public sealed class LoraOptions
{
    public int Rank { get; set; } = 8;
    public float Alpha { get; set; } = 8;
    public float Dropout { get; set; } = 0.05f;
    public IReadOnlyList<LoraTarget> Targets { get; set; } = Enum.GetValues<LoraTarget>();
}
