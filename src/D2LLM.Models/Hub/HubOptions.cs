namespace D2LLM.Models.Hub;

/// <summary>Where and how <see cref="HubDownloader"/> reaches the Hugging Face Hub.</summary>
public sealed class HubOptions
{
    /// <summary>The Hub's address: HF_ENDPOINT when set (mirrors, tests), else https://huggingface.co.</summary>
    public string Endpoint { get; set; } = Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } e ? e : "https://huggingface.co";

    /// <summary>Access token for gated or private repositories: HF_TOKEN when set.</summary>
    public string? Token { get; set; } = Environment.GetEnvironmentVariable("HF_TOKEN") is { Length: > 0 } t ? t : null;

    /// <summary>Glob patterns of the files to fetch (* and ?); null = the model files (see <see cref="HubDownloader"/>).</summary>
    public IReadOnlyList<string>? Include { get; set; }

    /// <summary>Attempts after the first for a request that failed transiently (timeouts, 429, 5xx, dropped connections).</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>The first retry's delay; later ones double it (with jitter).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Per-request timeout (a stalled download is retried from where it stopped).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);
}
