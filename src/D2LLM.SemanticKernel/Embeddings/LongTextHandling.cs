namespace D2LLM.SemanticKernel;

/// <summary>What <see cref="D2LlmEmbeddingGenerator"/> does with a text longer than the model's window.</summary>
public enum LongTextHandling
{
    /// <summary>Embed its first tokens and mark the embedding (<see cref="D2LlmEmbeddingOptions.TruncatedKey"/>).</summary>
    Truncate,

    /// <summary>Throw an ArgumentException naming the text and its length: split long documents before embedding.</summary>
    Refuse,
}
