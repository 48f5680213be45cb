namespace D2LLM.Pipelines;

/// <summary>What of the backbone a cross-encoder student trains.</summary>
public enum BackboneTuning
{
    /// <summary>Full up to 100M backbone parameters (a small backbone needs every tensor trained), LoRA above.</summary>
    Auto,

    /// <summary>LoRA adapters.</summary>
    Lora,

    /// <summary>Every backbone tensor and the embedding, as Rank-DistiLLM fine-tunes ELECTRA.</summary>
    Full,
}
