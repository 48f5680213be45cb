namespace D2LLM.Retrieval;

/// <summary>
/// Texts → one vector each: a student (PMA) or a plain model with pooling. A caller that needs token counts (for
/// batching, usage or long-text checks) tokenizes once with <see cref="Tokenize"/> and embeds the ids with
/// <see cref="EmbedTokens"/>; <see cref="Embed"/> does both. Disposing an encoder releases the model it owns, if any.
/// </summary>
public interface IDenseEncoder : IDisposable
{
    int Dimensions { get; }

    /// <summary>The window: a text's tokens beyond it are left out of its embedding.</summary>
    int MaxTokens { get; }

    /// <summary>A text's token ids as this encoder reads it: untrusted (no special tokens), whole (not cut to the window).</summary>
    int[] Tokenize(string text);

    /// <summary>Embeddings [texts, dimensions] of tokenized texts, row by row; each is cut to the window.</summary>
    float[] EmbedTokens(IReadOnlyList<int[]> texts);

    /// <summary>Embeddings [texts, dimensions], row by row. Texts are untrusted (no special tokens) and truncated.</summary>
    float[] Embed(IReadOnlyList<string> texts);

    /// <summary>Embeddings of search queries: as <see cref="Embed"/>, with the prompt a model expects on queries (none by default).</summary>
    float[] EmbedQueries(IReadOnlyList<string> queries) => Embed(queries);
}
