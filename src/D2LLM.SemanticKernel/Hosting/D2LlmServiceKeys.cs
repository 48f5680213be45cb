namespace D2LLM.SemanticKernel;

/// <summary>Keys of the keyed services the DI extensions register.</summary>
public static class D2LlmServiceKeys
{
    /// <summary>The embedding generator fixed to queries (<c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>).</summary>
    public const string QueryEmbeddings = "d2llm:query";

    /// <summary>The embedding generator fixed to passages.</summary>
    public const string PassageEmbeddings = "d2llm:passage";
}
