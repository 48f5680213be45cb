using System.Text.Json;

namespace D2LLM.Models.Bert;

/// <summary>
/// The fields of a Hugging Face BERT <c>config.json</c> (BERT, MiniLM, bge, e5, gte, arctic-embed: <c>model_type</c>
/// bert) an encoder needs, with transformers' defaults. Unsupported settings fail here, naming the field.
/// </summary>
public sealed record BertConfig
{
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int VocabSize { get; init; }
    public int MaxPositions { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public double LayerNormEps { get; init; } = 1e-12;
    public int HeadDim => HiddenSize / NumHeads;

    public static BertConfig Load(string directory)
    {
        string path = Path.Combine(directory, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var doc = JsonFile.Parse(path);
        var reader = new ConfigFields(doc.RootElement, path);
        if (reader.OptionalString("model_type") != "bert") throw new InvalidDataException($"{path}: model_type '{reader.OptionalString("model_type")}' is not bert");
        string act = reader.OptionalString("hidden_act") ?? "gelu";
        if (act != "gelu") throw new InvalidDataException($"{path}: hidden_act '{act}' is not supported (gelu)");
        string positions = reader.OptionalString("position_embedding_type") ?? "absolute";
        if (positions != "absolute") throw new InvalidDataException($"{path}: position_embedding_type '{positions}' is not supported (absolute)");
        var config = new BertConfig
        {
            HiddenSize = reader.Int("hidden_size"), IntermediateSize = reader.Int("intermediate_size"), NumLayers = reader.Int("num_hidden_layers"),
            NumHeads = reader.Int("num_attention_heads"), VocabSize = reader.Int("vocab_size"),
            MaxPositions = reader.OptionalInt("max_position_embeddings") ?? 512, TypeVocabSize = reader.OptionalInt("type_vocab_size") ?? 2,
            LayerNormEps = reader.OptionalDouble("layer_norm_eps") ?? 1e-12,
        };
        if (config.NumHeads <= 0 || config.HiddenSize % config.NumHeads != 0)
            throw new InvalidDataException($"{path}: hidden_size {config.HiddenSize} is not a multiple of num_attention_heads {config.NumHeads}");
        return config;
    }

    /// <summary>config.json as transformers writes it for this shape.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["architectures"] = new[] { "BertModel" }, ["model_type"] = "bert", ["hidden_size"] = HiddenSize, ["intermediate_size"] = IntermediateSize,
        ["num_hidden_layers"] = NumLayers, ["num_attention_heads"] = NumHeads, ["vocab_size"] = VocabSize, ["max_position_embeddings"] = MaxPositions,
        ["type_vocab_size"] = TypeVocabSize, ["layer_norm_eps"] = LayerNormEps, ["hidden_act"] = "gelu", ["position_embedding_type"] = "absolute",
        ["pad_token_id"] = 0,
    }, new JsonSerializerOptions { WriteIndented = true });
}
