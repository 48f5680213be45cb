using System.Text.Json;

namespace D2LLM.Models;

/// <summary>
/// The fields of a Hugging Face <c>config.json</c> that a Qwen2/Qwen3 decoder needs, with the defaults the
/// transformers classes apply when a field is absent. Unsupported settings fail here, naming the field.
/// </summary>
public sealed record ModelConfig
{
    public required Architecture Architecture { get; init; }
    public required string ArchitectureName { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000;
    public int MaxPositions { get; init; } = 32768;
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Bias on q, k, v (always for Qwen2; <c>attention_bias</c> for Qwen3, which also puts it on o).</summary>
    public bool QkvBias { get; init; }

    public bool OutputBias { get; init; }
    public string TorchDtype { get; init; } = "float32";
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = Array.Empty<int>();

    public static ModelConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var doc = JsonFile.Parse(path);
        return Parse(doc.RootElement, path);
    }

    public static ModelConfig Parse(JsonElement root, string source = "config.json")
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: expected a JSON object, found {root.ValueKind.ToString().ToLowerInvariant()}");
        var reader = new ConfigFields(root, source);
        string name = reader.ArchitectureName();
        var architecture = name switch
        {
            "Qwen2ForCausalLM" or "Qwen2Model" => Architecture.Qwen2,
            "Qwen3ForCausalLM" or "Qwen3Model" => Architecture.Qwen3,
            _ => throw new InvalidDataException($"{source}: architecture '{name}' is not supported (Qwen2ForCausalLM, Qwen3ForCausalLM)"),
        };

        int hidden = reader.Int("hidden_size");
        int heads = reader.Int("num_attention_heads");
        int kvHeads = reader.OptionalInt("num_key_value_heads") ?? heads;
        int headDim = reader.OptionalInt("head_dim") ?? (architecture == Architecture.Qwen3 ? 128 : hidden / heads);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
            throw new InvalidDataException($"{source}: num_attention_heads ({heads}) must be a positive multiple of num_key_value_heads ({kvHeads})");
        if (headDim <= 0 || headDim % 2 != 0) throw new InvalidDataException($"{source}: head_dim {headDim} must be positive and even");
        if (reader.OptionalBool("use_sliding_window") == true)
            throw new InvalidDataException($"{source}: use_sliding_window=true is not supported");
        reader.RejectRopeScaling();
        foreach (var size in new[] { "hidden_size", "intermediate_size", "num_hidden_layers", "vocab_size" })
            if (reader.Int(size) <= 0) throw new InvalidDataException($"{source}: {size} must be positive, got {reader.Int(size)}");
        string act = reader.OptionalString("hidden_act") ?? "silu";
        if (act != "silu") throw new InvalidDataException($"{source}: hidden_act '{act}' is not supported (silu)");
        bool attentionBias = reader.OptionalBool("attention_bias") ?? false;

        return new ModelConfig
        {
            Architecture = architecture,
            ArchitectureName = name,
            HiddenSize = hidden,
            IntermediateSize = reader.Int("intermediate_size"),
            NumLayers = reader.Int("num_hidden_layers"),
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = headDim,
            VocabSize = reader.Int("vocab_size"),
            RmsNormEps = reader.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = reader.OptionalDouble("rope_theta") ?? 10000,
            MaxPositions = reader.OptionalInt("max_position_embeddings") ?? 32768,
            TieWordEmbeddings = reader.OptionalBool("tie_word_embeddings") ?? false,
            QkvBias = architecture == Architecture.Qwen2 || attentionBias,
            OutputBias = architecture == Architecture.Qwen3 && attentionBias,
            TorchDtype = reader.OptionalString("torch_dtype") ?? reader.OptionalString("dtype") ?? "float32",
            BosTokenId = reader.OptionalInt("bos_token_id"),
            EosTokenIds = reader.IntOrList("eos_token_id"),
        };
    }
}
