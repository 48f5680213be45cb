using D2LLM.Tensors;

namespace D2LLM.Models.Bert;

/// <summary>What a training forward pass of <see cref="BertModel"/> keeps for its backward pass.</summary>
internal sealed class BertPassState
{
    public List<BertLayerActivations> Layers { get; } = new();

    /// <summary>Where the pass's tensors live; back in the model's pool once the backward pass has run.</summary>
    public required TensorArena Arena { get; init; }
    public required Tensor EmbeddingSum { get; init; }
    public required Tensor EmbeddingMean { get; init; }
    public required Tensor EmbeddingRstd { get; init; }
    public required int[] TokenTypes { get; init; }
}
