namespace D2LLM.Tensors.Optim;

/// <summary>Hyper-parameters of <see cref="AdamW"/> (PyTorch defaults).</summary>
public sealed class AdamWOptions
{
    public float Beta1 { get; set; } = 0.9f;
    public float Beta2 { get; set; } = 0.999f;
    public float Epsilon { get; set; } = 1e-8f;
    public float WeightDecay { get; set; } = 0.01f;
}
