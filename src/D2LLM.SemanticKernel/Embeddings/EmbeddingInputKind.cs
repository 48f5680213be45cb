namespace D2LLM.SemanticKernel;

/// <summary>Which side of an asymmetric retrieval task a text is on.</summary>
public enum EmbeddingInputKind
{
    Passage,
    Query,
}
