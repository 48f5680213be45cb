namespace D2LLM.Pipelines;

/// <summary>How hard negatives (and evaluation candidates) are mined.</summary>
public enum MiningKind
{
    /// <summary>BM25 (Chinese character uni/bigrams, English words).</summary>
    Bm25,

    /// <summary>The backbone's mean-pooled cosine over the whole corpus.</summary>
    Dense,
}
