namespace D2LLM.Models;

/// <summary>
/// One training forward pass of a backbone: the batch, the generator of its LoRA dropout masks, and the activations
/// the backbone keeps for its backward pass (its own kind, opaque to callers). Inference passes keep none.
/// </summary>
public sealed class BackbonePass(TokenBatch batch, Random? dropout = null)
{
    public TokenBatch Batch { get; } = batch;
    public Random? Dropout { get; } = dropout;

    /// <summary>What the backbone that ran the forward pass keeps for its backward pass.</summary>
    internal object? Activations { get; set; }
}
