using System.Text.Json.Serialization;

namespace D2LLM.CrossEncoder;

/// <summary>cross-encoder.json: what a cross-encoder student folder needs besides its weights.</summary>
public sealed record CrossEncoderConfig
{
    public const string FileName = "cross-encoder.json";
    public const string HeadFile = "head.safetensors";
    public const string LoraFile = "lora.safetensors";
    public const string BackboneFile = "backbone.safetensors";
    public const string FormatName = "d2llm-cross-encoder";

    [JsonPropertyName("format")] public string Format { get; init; } = FormatName;
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    [JsonPropertyName("backbone")] public required string Backbone { get; init; }
    [JsonPropertyName("backbone_layers")] public int? BackboneLayers { get; init; }
    /// <summary>
    /// What training changes in the backbone: "lora" (adapters on every projection; the default, for large backbones)
    /// or "full" (every tensor, the embedding included, as Rank-DistiLLM fine-tunes its ELECTRA; for small backbones,
    /// whose frozen random or narrow embeddings LoRA cannot fix).
    /// </summary>
    [JsonPropertyName("tuning")] public string Tuning { get; init; } = "lora";
    [JsonPropertyName("lora_rank")] public int LoraRank { get; init; } = 8;
    [JsonPropertyName("lora_alpha")] public float LoraAlpha { get; init; } = 8;

    /// <summary>Query and passage token limits before pairing (Rank-DistiLLM: 32 and 256).</summary>
    [JsonPropertyName("query_tokens")] public int QueryTokens { get; init; } = 32;
    [JsonPropertyName("passage_tokens")] public int PassageTokens { get; init; } = 256;

    /// <summary>Text between query and passage.</summary>
    [JsonPropertyName("separator")] public string Separator { get; init; } = "\n\n";
    [JsonPropertyName("provenance")] public Dictionary<string, object?> Provenance { get; init; } = new();

    public bool FullTuning => Tuning switch
    {
        "lora" => false,
        "full" => true,
        _ => throw new ArgumentException($"unknown cross-encoder tuning '{Tuning}' (lora, full)"),
    };

    public static CrossEncoderConfig Load(string directory)
    {
        var config = ConfigFile.Load<CrossEncoderConfig>(directory, FileName, FormatName, "cross-encoder", c => c.Format, c => c.Version);
        if (config.Tuning is not ("lora" or "full"))
            throw new InvalidDataException($"{Path.Combine(directory, FileName)}: unknown tuning '{config.Tuning}' (lora, full)");
        return config;
    }

    public void Save(string directory) => ConfigFile.Save(this, directory, FileName);
}
