using D2LLM.Tensors;

namespace D2LLM.Models.Bert;

/// <summary>The weights of one BERT layer under their Hugging Face module names. Matrices keep their stored dtype; norms and biases are float32.</summary>
public sealed class BertLayerWeights
{
    public required Weight Q { get; init; }
    public required Weight QBias { get; init; }
    public required Weight K { get; init; }
    public required Weight KBias { get; init; }
    public required Weight V { get; init; }
    public required Weight VBias { get; init; }
    public required Weight O { get; init; }
    public required Weight OBias { get; init; }
    public required Weight AttentionNorm { get; init; }
    public required Weight AttentionNormBias { get; init; }
    public required Weight Up { get; init; }
    public required Weight UpBias { get; init; }
    public required Weight Down { get; init; }
    public required Weight DownBias { get; init; }
    public required Weight OutputNorm { get; init; }
    public required Weight OutputNormBias { get; init; }

    /// <summary>Module paths of the projections LoRA can adapt (BERT has no gate).</summary>
    public static IReadOnlyDictionary<LoraTarget, string> ProjectionNames { get; } = new Dictionary<LoraTarget, string>
    {
        [LoraTarget.Q] = "attention.self.query", [LoraTarget.K] = "attention.self.key", [LoraTarget.V] = "attention.self.value",
        [LoraTarget.O] = "attention.output.dense", [LoraTarget.Up] = "intermediate.dense", [LoraTarget.Down] = "output.dense",
    };

    public Weight Projection(LoraTarget target) => target switch
    {
        LoraTarget.Q => Q,
        LoraTarget.K => K,
        LoraTarget.V => V,
        LoraTarget.O => O,
        LoraTarget.Up => Up,
        LoraTarget.Down => Down,
        _ => throw new ArgumentException($"a BERT layer has no {target} projection"),
    };

    /// <summary>Every tensor under its name within the layer (encoder.layer.N. is the caller's).</summary>
    public IEnumerable<(string Name, Weight Weight)> Named() =>
    [
        ("attention.self.query.weight", Q), ("attention.self.query.bias", QBias), ("attention.self.key.weight", K), ("attention.self.key.bias", KBias),
        ("attention.self.value.weight", V), ("attention.self.value.bias", VBias), ("attention.output.dense.weight", O), ("attention.output.dense.bias", OBias),
        ("attention.output.LayerNorm.weight", AttentionNorm), ("attention.output.LayerNorm.bias", AttentionNormBias),
        ("intermediate.dense.weight", Up), ("intermediate.dense.bias", UpBias), ("output.dense.weight", Down), ("output.dense.bias", DownBias),
        ("output.LayerNorm.weight", OutputNorm), ("output.LayerNorm.bias", OutputNormBias),
    ];

    /// <summary>The layer from named tensors (the inverse of <see cref="Named"/>).</summary>
    public static BertLayerWeights From(Func<string, Weight> get) => new()
    {
        Q = get("attention.self.query.weight"), QBias = get("attention.self.query.bias"), K = get("attention.self.key.weight"), KBias = get("attention.self.key.bias"),
        V = get("attention.self.value.weight"), VBias = get("attention.self.value.bias"), O = get("attention.output.dense.weight"), OBias = get("attention.output.dense.bias"),
        AttentionNorm = get("attention.output.LayerNorm.weight"), AttentionNormBias = get("attention.output.LayerNorm.bias"),
        Up = get("intermediate.dense.weight"), UpBias = get("intermediate.dense.bias"), Down = get("output.dense.weight"), DownBias = get("output.dense.bias"),
        OutputNorm = get("output.LayerNorm.weight"), OutputNormBias = get("output.LayerNorm.bias"),
    };
}
