namespace D2LLM.Models;

/// <summary>Decoder families the engine runs.</summary>
public enum Architecture
{
    /// <summary>Qwen2 / Qwen2.5: q/k/v projections with bias.</summary>
    Qwen2,

    /// <summary>Qwen3 (also Qwen3-Embedding and Qwen3-Reranker): per-head RMSNorm on q and k, explicit head_dim.</summary>
    Qwen3,
}
