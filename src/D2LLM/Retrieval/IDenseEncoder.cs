namespace D2LLM.Retrieval;

/// <summary>Texts → one vector each: a student (PMA) or a plain model with pooling.</summary>
public interface IDenseEncoder
{
    int Dimensions { get; }

    /// <summary>The window: a text's tokens beyond it are left out of its embedding.</summary>
    int MaxTokens { get; }

    /// <summary>Embeddings [texts, dimensions], row by row. Texts are untrusted (no special tokens) and truncated.</summary>
    float[] Embed(IReadOnlyList<string> texts);
}
