namespace D2LLM.SemanticKernel;

/// <summary>One result of a <see cref="RetrievalPipeline{TKey, TRecord}"/>: the stored record, its text and its score (the reranker's, else the store's).</summary>
public sealed record RetrievalResult<TRecord>(TRecord Record, string Text, double Score);
