namespace D2LLM.SemanticKernel;

/// <summary>Options of <see cref="D2LlmEmbeddingGenerator"/>.</summary>
public sealed class D2LlmEmbeddingOptions
{
    /// <summary>The AdditionalProperties key that selects query or passage mode per call ("query" / "passage").</summary>
    public const string InputKindKey = "input_type";

    /// <summary>The mode when a call says nothing — SK's vector-store path passes no options, so give such paths their own instance.</summary>
    public EmbeddingInputKind DefaultKind { get; set; } = EmbeddingInputKind.Passage;

    /// <summary>Text put before a query (e.g. Qwen3-Embedding's "Instruct: …\nQuery:"); none for D2LLM students.</summary>
    public string QueryPrefix { get; set; } = "";

    /// <summary>
    /// Append &lt;|endoftext|&gt; to every text before pooling (plain models only; Qwen3-Embedding: use with last pooling
    /// and a QueryPrefix such as "Instruct: Given a web search query, retrieve relevant passages\nQuery:").
    /// </summary>
    public bool AppendEndOfText { get; set; }

    /// <summary>Texts are embedded in forward passes of about this many tokens.</summary>
    public int BatchTokens { get; set; } = 8192;

    /// <summary>
    /// What a text longer than the model's window gets: embedded from its first tokens (the default, as
    /// sentence-transformers does), its embedding marked with <see cref="TruncatedKey"/>; or refused with an error.
    /// </summary>
    public LongTextHandling LongTexts { get; set; } = LongTextHandling.Truncate;

    /// <summary>The Embedding.AdditionalProperties key set on a truncated text's embedding: the text's full token count.</summary>
    public const string TruncatedKey = "truncated_from_tokens";

    public string ModelId { get; set; } = "d2llm";
}
