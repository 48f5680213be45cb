using D2LLM.Models.Checkpoints;
using D2LLM.Tensors;

namespace D2LLM.Models.Bert;

/// <summary>
/// All weights of a BERT encoder, checked against its config: every tensor present with the shape the config implies,
/// or a one-line error naming the file and tensor. Checkpoints of BertModel (no prefix) and of BertFor… heads
/// (<c>bert.</c> prefix) both load; a pooler, if any, is not used.
/// </summary>
public sealed class BertWeights
{
    public required Weight Word { get; init; }
    public required Weight Position { get; init; }
    public required Weight TokenType { get; init; }
    public required Weight EmbeddingNorm { get; init; }
    public required Weight EmbeddingNormBias { get; init; }
    public required BertLayerWeights[] Layers { get; init; }

    /// <summary>Every tensor under its Hugging Face name, in checkpoint order.</summary>
    public IEnumerable<(string Name, Weight Weight)> Named()
    {
        var named = new List<(string, Weight)>
        {
            ("embeddings.word_embeddings.weight", Word), ("embeddings.position_embeddings.weight", Position),
            ("embeddings.token_type_embeddings.weight", TokenType), ("embeddings.LayerNorm.weight", EmbeddingNorm), ("embeddings.LayerNorm.bias", EmbeddingNormBias),
        };
        for (int i = 0; i < Layers.Length; i++) named.AddRange(Layers[i].Named().Select(n => ($"encoder.layer.{i}.{n.Name}", n.Weight)));
        return named;
    }

    /// <summary>A copy in which each tensor is replaced by <paramref name="map"/>(its name, itself).</summary>
    public BertWeights With(Func<string, Weight, Weight> map)
    {
        var all = Named().ToDictionary(n => n.Name, n => map(n.Name, n.Weight));
        return FromNamed(name => all[name], Layers.Length);
    }

    public static BertWeights Load(Checkpoint checkpoint, BertConfig config, int? layers = null)
    {
        int h = config.HiddenSize, inter = config.IntermediateSize;
        string prefix = !checkpoint.Contains("embeddings.word_embeddings.weight") && checkpoint.Contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
        var shapes = new Dictionary<string, int[]>
        {
            ["embeddings.word_embeddings.weight"] = [config.VocabSize, h], ["embeddings.position_embeddings.weight"] = [config.MaxPositions, h],
            ["embeddings.token_type_embeddings.weight"] = [config.TypeVocabSize, h],
        };
        Weight Get(string name)
        {
            string stored = prefix + name;
            if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal))
            {
                int length = name.StartsWith("encoder.", StringComparison.Ordinal) && name.Contains("intermediate.dense.bias") ? inter : h;
                checkpoint.Expect(stored, length);
                return Weight.FromArray(checkpoint.ReadFloats(stored), length);
            }

            int[] shape = shapes.TryGetValue(name, out var s) ? s
                : name.Contains("intermediate.dense") ? [inter, h] : name.Contains("output.dense") && !name.Contains("attention") ? [h, inter] : [h, h];
            checkpoint.Expect(stored, shape);
            return checkpoint.Weight(stored);
        }

        return FromNamed(Get, Math.Min(layers ?? config.NumLayers, config.NumLayers));
    }

    private static BertWeights FromNamed(Func<string, Weight> get, int layers) => new()
    {
        Word = get("embeddings.word_embeddings.weight"), Position = get("embeddings.position_embeddings.weight"),
        TokenType = get("embeddings.token_type_embeddings.weight"), EmbeddingNorm = get("embeddings.LayerNorm.weight"), EmbeddingNormBias = get("embeddings.LayerNorm.bias"),
        Layers = Enumerable.Range(0, layers).Select(i => BertLayerWeights.From(name => get($"encoder.layer.{i}.{name}"))).ToArray(),
    };
}
