namespace D2LLM.Models.Generation;

/// <summary>How <see cref="TextGenerator"/> continues a prompt.</summary>
public sealed class GenerationOptions
{
    public int MaxNewTokens { get; set; } = 128;

    /// <summary>0 = greedy (the most likely token, first on ties); otherwise the logits are divided by it before sampling.</summary>
    public float Temperature { get; set; }

    /// <summary>Nucleus sampling: keep the most likely tokens whose probabilities sum to at least this (1 = all).</summary>
    public float TopP { get; set; } = 1f;

    /// <summary>Generation ends when the text contains one of these; the text is cut before it.</summary>
    public IReadOnlyList<string> StopStrings { get; set; } = Array.Empty<string>();

    /// <summary>Token ids that end generation (not included in the text); null = the model's end-of-sequence ids.</summary>
    public IReadOnlyList<int>? StopTokenIds { get; set; }

    /// <summary>Seed of the sampler (sampling only).</summary>
    public int Seed { get; set; }
}
