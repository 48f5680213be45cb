using D2LLM.Models.Checkpoints;
using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Models.Qwen;

/// <summary>
/// All weights of a Qwen2/Qwen3 decoder, checked against its config: every tensor present with the shape the
/// config implies, or a one-line error naming the file and tensor. Loaded in place from a checkpoint, or drawn
/// at random in bf16 for benchmarks of published shapes.
/// </summary>
public sealed class QwenWeights
{
    public required Weight Embedding { get; init; }
    public required Weight FinalNorm { get; init; }
    public required Weight LmHead { get; init; }
    public required QwenLayerWeights[] Layers { get; init; }

    /// <summary>Every tensor under its Hugging Face name; a tied output head is not listed apart from the embedding.</summary>
    public IEnumerable<(string Name, Weight Weight)> Named()
    {
        var named = new List<(string, Weight)> { ("model.embed_tokens.weight", Embedding) };
        for (int i = 0; i < Layers.Length; i++)
        {
            var l = Layers[i];
            string p = $"model.layers.{i}.";
            named.Add((p + "input_layernorm.weight", l.InputNorm));
            named.Add((p + "post_attention_layernorm.weight", l.PostAttentionNorm));
            foreach (var target in Enum.GetValues<LoraTarget>()) named.Add((p + QwenModel.ProjectionName(target) + ".weight", l.Projection(target)));
            foreach (var (name, w) in new[] { ("self_attn.q_proj.bias", l.QBias), ("self_attn.k_proj.bias", l.KBias), ("self_attn.v_proj.bias", l.VBias),
                         ("self_attn.o_proj.bias", l.OBias), ("self_attn.q_norm.weight", l.QNorm), ("self_attn.k_norm.weight", l.KNorm) })
                if (w is not null) named.Add((p + name, w));
        }

        named.Add(("model.norm.weight", FinalNorm));
        if (!ReferenceEquals(LmHead, Embedding)) named.Add(("lm_head.weight", LmHead));
        return named;
    }

    /// <summary>
    /// A content digest of every tensor (name, dtype, shape, bytes; XxHash128, hex): what keys results a model produced,
    /// so that weights changed in place are noticed even when the folder's name is not.
    /// </summary>
    public string Digest() => WeightDigest.Of(Named());

    /// <summary>A copy in which each tensor is replaced by <paramref name="map"/>(its name, itself); ties are kept.</summary>
    public QwenWeights With(Func<string, Weight, Weight> map)
    {
        var embedding = map("model.embed_tokens.weight", Embedding);
        var layers = Layers.Select((l, i) =>
        {
            string p = $"model.layers.{i}.";
            Weight M(string name, Weight w) => map(p + name, w);
            Weight? O(string name, Weight? w) => w is null ? null : map(p + name, w);
            return new QwenLayerWeights
            {
                InputNorm = M("input_layernorm.weight", l.InputNorm), PostAttentionNorm = M("post_attention_layernorm.weight", l.PostAttentionNorm),
                Q = M("self_attn.q_proj.weight", l.Q), K = M("self_attn.k_proj.weight", l.K), V = M("self_attn.v_proj.weight", l.V),
                O = M("self_attn.o_proj.weight", l.O), Gate = M("mlp.gate_proj.weight", l.Gate), Up = M("mlp.up_proj.weight", l.Up),
                Down = M("mlp.down_proj.weight", l.Down),
                QBias = O("self_attn.q_proj.bias", l.QBias), KBias = O("self_attn.k_proj.bias", l.KBias), VBias = O("self_attn.v_proj.bias", l.VBias),
                OBias = O("self_attn.o_proj.bias", l.OBias), QNorm = O("self_attn.q_norm.weight", l.QNorm), KNorm = O("self_attn.k_norm.weight", l.KNorm),
            };
        }).ToArray();
        return new QwenWeights
        {
            Embedding = embedding, FinalNorm = map("model.norm.weight", FinalNorm),
            LmHead = ReferenceEquals(LmHead, Embedding) ? embedding : map("lm_head.weight", LmHead), Layers = layers,
        };
    }

    /// <summary>
    /// Reads the first <paramref name="layers"/> layers (all when null) from an open checkpoint. Tensor names are those
    /// of a causal LM ("model.layers.0…", "lm_head.weight"); a bare Qwen2Model/Qwen3Model checkpoint (as embedding models
    /// such as Qwen3-Embedding ship) has them without the "model." prefix and no head, and then reads the tied
    /// embedding as its head.
    /// </summary>
    public static QwenWeights Load(Checkpoint checkpoint, ModelConfig config, int? layers = null)
    {
        int h = config.HiddenSize, hd = config.HeadDim, q = config.NumHeads * hd, kv = config.NumKvHeads * hd, inter = config.IntermediateSize;
        int count = Math.Min(layers ?? config.NumLayers, config.NumLayers);
        bool bare = !checkpoint.Contains("model.embed_tokens.weight") && checkpoint.Contains("embed_tokens.weight");
        string Name(string name) => bare && name.StartsWith("model.", StringComparison.Ordinal) ? name["model.".Length..] : name;
        Weight Matrix(string name, int rows, int cols)
        {
            checkpoint.Expect(Name(name), rows, cols);
            return checkpoint.Weight(Name(name));
        }

        Weight Vector(string name, int length)
        {
            checkpoint.Expect(Name(name), length);
            return Weight.FromArray(checkpoint.ReadFloats(Name(name)), length);
        }

        Weight? Optional(string name, int length, bool required) => required ? Vector(name, length) : null;

        var embedding = Matrix("model.embed_tokens.weight", config.VocabSize, h);
        Weight head = config.TieWordEmbeddings || (bare && !checkpoint.Contains("lm_head.weight")) ? embedding : Matrix("lm_head.weight", config.VocabSize, h);
        var result = new QwenLayerWeights[count];
        for (int i = 0; i < count; i++)
        {
            string p = $"model.layers.{i}.";
            result[i] = new QwenLayerWeights
            {
                InputNorm = Vector(p + "input_layernorm.weight", h),
                PostAttentionNorm = Vector(p + "post_attention_layernorm.weight", h),
                Q = Matrix(p + "self_attn.q_proj.weight", q, h),
                K = Matrix(p + "self_attn.k_proj.weight", kv, h),
                V = Matrix(p + "self_attn.v_proj.weight", kv, h),
                O = Matrix(p + "self_attn.o_proj.weight", h, q),
                Gate = Matrix(p + "mlp.gate_proj.weight", inter, h),
                Up = Matrix(p + "mlp.up_proj.weight", inter, h),
                Down = Matrix(p + "mlp.down_proj.weight", h, inter),
                QBias = Optional(p + "self_attn.q_proj.bias", q, config.QkvBias),
                KBias = Optional(p + "self_attn.k_proj.bias", kv, config.QkvBias),
                VBias = Optional(p + "self_attn.v_proj.bias", kv, config.QkvBias),
                OBias = Optional(p + "self_attn.o_proj.bias", h, config.OutputBias),
                QNorm = Optional(p + "self_attn.q_norm.weight", hd, config.Architecture == Architecture.Qwen3),
                KNorm = Optional(p + "self_attn.k_norm.weight", hd, config.Architecture == Architecture.Qwen3),
            };
        }

        return new QwenWeights { Embedding = embedding, FinalNorm = Vector("model.norm.weight", h), LmHead = head, Layers = result };
    }

    /// <summary>Random bf16 weights of the config's shape (for speed benchmarks: the values do not matter).</summary>
    public static QwenWeights Random(ModelConfig config, int seed)
    {
        var rng = new Random(seed);
        int h = config.HiddenSize, hd = config.HeadDim, q = config.NumHeads * hd, kv = config.NumKvHeads * hd, inter = config.IntermediateSize;
        Weight Matrix(int rows, int cols, float std)
        {
            var data = new BFloat16[(long)rows * cols];
            for (long i = 0; i < data.LongLength; i++) data[i] = BFloat16.FromSingle((float)((rng.NextDouble() * 2 - 1) * std * 1.7));
            return Weight.FromArray(data, rows, cols);
        }

        Weight Ones(int n) => Weight.FromArray(Enumerable.Repeat(1f, n).ToArray(), n);
        Weight Small(int n)
        {
            var v = new float[n];
            Init.Uniform(v, 0.02f, rng);
            return Weight.FromArray(v, n);
        }

        var embedding = Matrix(config.VocabSize, h, 0.02f);
        var layers = new QwenLayerWeights[config.NumLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = new QwenLayerWeights
            {
                InputNorm = Ones(h), PostAttentionNorm = Ones(h),
                Q = Matrix(q, h, 0.02f), K = Matrix(kv, h, 0.02f), V = Matrix(kv, h, 0.02f), O = Matrix(h, q, 0.02f),
                Gate = Matrix(inter, h, 0.02f), Up = Matrix(inter, h, 0.02f), Down = Matrix(h, inter, 0.02f),
                QBias = config.QkvBias ? Small(q) : null, KBias = config.QkvBias ? Small(kv) : null, VBias = config.QkvBias ? Small(kv) : null,
                OBias = config.OutputBias ? Small(h) : null,
                QNorm = config.Architecture == Architecture.Qwen3 ? Ones(hd) : null,
                KNorm = config.Architecture == Architecture.Qwen3 ? Ones(hd) : null,
            };
        }

        return new QwenWeights
        {
            Embedding = embedding, FinalNorm = Ones(h),
            LmHead = config.TieWordEmbeddings ? embedding : Matrix(config.VocabSize, h, 0.02f), Layers = layers,
        };
    }
}
