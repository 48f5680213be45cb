using D2LLM.Models.Checkpoints;
using D2LLM.Models.Tokenization;
using D2LLM.Tensors;
using D2LLM.Tensors.Kernels;
using D2LLM.Tensors.Optim;

namespace D2LLM.Models.Qwen;

/// <summary>
/// A Qwen2 / Qwen3 decoder (Hugging Face Qwen2ForCausalLM / Qwen3ForCausalLM) over packed variable-length batches.
/// Per layer, with RMSNorm N, rotary R and causal grouped-query attention A:
///   h = N₁(x);  q, k, v = h·W_qᵀ + b_q, …   (Qwen3: q, k ← per-head N(q), N(k));  q, k ← R(q), R(k)
///   x ← x + A(q, k, v)·W_oᵀ;   h = N₂(x);   x ← x + (silu(h·W_gᵀ) ⊙ h·W_uᵀ)·W_dᵀ
/// and the output is N_final(x). Base weights are frozen; optional LoRA adapters on any projection are trained by
/// <see cref="Backward"/>. Every layer runs through <see cref="IKernels"/>.
/// </summary>
public sealed class QwenModel : IDecoder
{
    private readonly Checkpoint? _checkpoint;

    private readonly TrainableProjections _training;

    private readonly SpareArena _workspace = new();
    private readonly SpareArena _backwardWorkspace = new();
    private readonly ActivationPool _activations = new();
    private HashSet<int>? _specialTokenIds;

    private QwenModel(ModelConfig config, QwenWeights weights, ByteLevelBpeTokenizer? tokenizer, IKernels kernels, Checkpoint? checkpoint, string? directory)
    {
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
        Kernels = kernels;
        _checkpoint = checkpoint;
        Directory = directory;
        _training = new TrainableProjections(kernels);
        Rotary = new Rotary(config.HeadDim, Math.Max(config.MaxPositions, 1), config.RopeTheta);
    }

    public ModelConfig Config { get; }
    public QwenWeights Weights { get; private set; }
    public ByteLevelBpeTokenizer? Tokenizer { get; }
    public IKernels Kernels { get; }
    public Rotary Rotary { get; }
    public string? Directory { get; }
    public int LayerCount => Weights.Layers.Length;
    public int HiddenSize => Config.HiddenSize;
    public int ConfiguredLayers => Config.NumLayers;
    public int MaxPositions => Rotary.MaxPositions;
    public bool IsCausal => true;
    public IReadOnlyList<int> EosTokenIds => Config.EosTokenIds;
    public int VocabSize => Weights.LmHead.Rows;
    public bool HasLora => _training.HasLora;
    public IReadOnlySet<int> SpecialTokenIds => _specialTokenIds ??= Tokenizer?.AddedTokens.Where(t => t.Special).Select(t => t.Id).ToHashSet() ?? new HashSet<int>();
    public long ParameterCount => Weights.Named().Sum(n => (long)n.Weight.Length);
    public long WeightBytes => Weights.Named().Sum(n => (long)n.Weight.Bytes().Length);

    /// <summary>Loads config.json, tokenizer.json and the safetensors weights of a model folder.</summary>
    public static QwenModel Load(string directory, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model folder not found");
        var config = ModelConfig.Load(directory);
        var tokenizer = ByteLevelBpeTokenizer.Load(directory);
        if (options.RandomSeed is int seed) return new QwenModel(config, QwenWeights.Random(config, seed), tokenizer, options.Kernels, null, directory);
        var checkpoint = Checkpoint.Open(directory);
        try
        {
            var weights = QwenWeights.Load(checkpoint, config, options.Layers);
            return new QwenModel(config, weights, tokenizer, options.Kernels, checkpoint, directory);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>A model over weights already in memory (random ones for benchmarks, or tests).</summary>
    public static QwenModel FromWeights(ModelConfig config, QwenWeights weights, ByteLevelBpeTokenizer? tokenizer = null, IKernels? kernels = null) =>
        new(config, weights, tokenizer, kernels ?? CpuKernels.Instance, null, null);

    /// <summary>Attaches fresh LoRA adapters (B = 0) to the chosen projections of every layer.</summary>
    public void AddLora(LoraOptions options, int seed) =>
        _training.AddLora(LayerCount, options, seed, (i, target) => (Weights.Layers[i].Projection(target), $"model.layers.{i}.{ProjectionName(target)}"));

    public IReadOnlyDictionary<(int Layer, LoraTarget Target), LoraAdapter> Lora => _training.Lora;

    public IEnumerable<Parameter> LoraParameters() => _training.LoraParameters();

    /// <summary>
    /// Full fine-tuning: every layer tensor and the final norm become float32 parameters that <see cref="Backward"/>
    /// fills with gradients (decay on matrices only). The embedding and the (tied) output head stay frozen unless
    /// <paramref name="includeEmbedding"/>: objectives that read a few rows of the head must not move the shared
    /// matrix under every other token, but a model whose head is unused (a cross-encoder) can train its embedding
    /// (no decay: rows of tokens a step does not see should stay as they are).
    /// </summary>
    public IReadOnlyList<Parameter> MakeTrainable(bool includeEmbedding = false)
    {
        _training.EnsureFrozen();
        var parameters = new List<Parameter>();
        Weights = Weights.With((name, w) =>
        {
            bool embedding = name == "model.embed_tokens.weight";
            if ((embedding && !includeEmbedding) || name == "lm_head.weight") return w;
            return _training.MakeTrainable(name, w, weightDecay: w.Shape.Length == 2 && !embedding, parameters);
        });
        return parameters;
    }

    /// <summary>The parameters of full fine-tuning, in checkpoint order (empty unless <see cref="MakeTrainable"/> ran).</summary>
    public IEnumerable<Parameter> TrainableParameters() => _training.TrainableParameters(Weights.Named());

    /// <summary>The module path of a projection, as in Hugging Face checkpoints (self_attn.q_proj, mlp.down_proj, …).</summary>
    public static string ProjectionName(LoraTarget target) => target switch
    {
        LoraTarget.Q => "self_attn.q_proj",
        LoraTarget.K => "self_attn.k_proj",
        LoraTarget.V => "self_attn.v_proj",
        LoraTarget.O => "self_attn.o_proj",
        LoraTarget.Gate => "mlp.gate_proj",
        LoraTarget.Up => "mlp.up_proj",
        _ => "mlp.down_proj",
    };

    /// <summary>Token ids of a text (no special tokens added).</summary>
    public int[] Encode(string text, bool allowSpecialTokens = true) =>
        (Tokenizer ?? throw new InvalidOperationException("this model has no tokenizer")).Encode(text, allowSpecialTokens);

    /// <summary>
    /// Ids of user text to embed: never special tokens, at most <paramref name="maxTokens"/> (the rest is cut), and an
    /// empty text reads as one space so that every text has a state.
    /// </summary>
    public int[] EncodeUntrusted(string text, int maxTokens)
    {
        var ids = Encode(text, allowSpecialTokens: false);
        if (ids.Length == 0) ids = Encode(" ");
        return ids.Length > maxTokens ? ids[..maxTokens] : ids;
    }

    /// <summary>
    /// Final-normed hidden states [tokens, hidden] of the batch. With a <paramref name="pass"/>, the activations
    /// its backward pass needs are kept in it (training); without, buffers are reused across layers.
    /// </summary>
    public Tensor Forward(TokenBatch batch, BackbonePass? pass = null) =>
        pass is null ? _workspace.Use(arena => Compute(batch, null, null, arena, outputInArena: false)) : Compute(batch, pass, null, null, false);

    public float[] Embed(TokenBatch batch, PoolingMode mode) =>
        _workspace.Use(arena => Pool(Compute(batch, null, null, arena, outputInArena: true), batch, mode));

    /// <summary>
    /// Hidden states of new tokens that continue the sequences in <paramref name="cache"/> (pack the batch with the
    /// cache's lengths as position offsets); their keys and values are appended to the cache.
    /// </summary>
    public Tensor Forward(TokenBatch batch, KvCache cache) => _workspace.Use(arena => Compute(batch, null, cache, arena, outputInArena: false));

    /// <summary>A training pass (own tensors, kept in <paramref name="pass"/>) or an inference pass in <paramref name="arena"/>.</summary>
    private Tensor Compute(TokenBatch batch, BackbonePass? pass, KvCache? cache, TensorArena? arena, bool outputInArena)
    {
        var k = Kernels;
        int h = Config.HiddenSize;
        float eps = (float)Config.RmsNormEps;
        foreach (int p in batch.Positions)
            if (p >= Rotary.MaxPositions) throw new ArgumentException($"a text of {p + 1} tokens exceeds the model's {Rotary.MaxPositions} positions");
        if (cache is not null && (pass is not null || cache.Sequences != batch.Count || cache.Layers != LayerCount))
            throw new ArgumentException("a key/value cache needs an inference pass with one cached entry per sequence and layer");

        var state = pass is null ? null : new QwenPassState(_activations.Rent());
        if (pass is not null) pass.Activations = state;
        arena ??= state!.Arena;
        var x = arena.Take(batch.Tokens, h);
        k.Embedding(batch.Ids, Weights.Embedding, x);
        int[]? kvStarts = cache is null ? null : KvStarts(batch, cache);
        long probsLength = Attention.ProbsLength(batch.Starts, Config.NumHeads, kvStarts);
        var shared = state is null ? new QwenLayerActivations(arena, batch.Tokens, Config) : null;
        var (projection, product) = state is null ? (null, null) : (arena.Take(batch.Tokens, h), arena.Take(batch.Tokens, Config.IntermediateSize));
        for (int i = 0; i < LayerCount; i++)
        {
            var a = shared ?? new QwenLayerActivations(arena, batch.Tokens, Config, probsLength, projection!, product!);
            LayerForward(i, x, batch, a, pass?.Dropout, pass is not null, cache, kvStarts);
            state?.Layers.Add(a);
        }

        if (cache is not null)
            for (int b = 0; b < batch.Count; b++) cache.Lengths[b] += batch.Length(b);

        var output = outputInArena ? arena.Take(batch.Tokens, h) : k.Allocate(batch.Tokens, h);
        Tensor? rstd = state is null ? null : arena.Take(batch.Tokens);
        k.RmsNorm(x, Weights.FinalNorm, output, rstd, h, eps);
        if (state is not null)
        {
            state.FinalInput = x;
            state.FinalRstd = rstd;
        }

        return output;
    }

    private void LayerForward(int i, Tensor x, TokenBatch batch, QwenLayerActivations a, Random? dropout, bool training,
        KvCache? cache = null, int[]? kvStarts = null)
    {
        var k = Kernels;
        var w = Weights.Layers[i];
        int h = Config.HiddenSize, hd = Config.HeadDim;
        float eps = (float)Config.RmsNormEps;

        if (training) k.Copy(x, a.XIn!);
        k.RmsNorm(x, w.InputNorm, a.H1, a.Rstd1, h, eps);
        Project(i, LoraTarget.Q, a.H1, w.Q, w.QBias, training && a.QPre is not null ? a.QPre : a.Q, a, dropout);
        Project(i, LoraTarget.K, a.H1, w.K, w.KBias, training && a.KPre is not null ? a.KPre : a.K, a, dropout);
        Project(i, LoraTarget.V, a.H1, w.V, w.VBias, a.V, a, dropout);
        if (w.QNorm is not null)
        {
            // Qwen3: RMSNorm over each head vector of q and k before the rotation.
            k.RmsNorm(a.QPre ?? a.Q, w.QNorm, a.Q, a.RstdQ, hd, eps);
            k.RmsNorm(a.KPre ?? a.K, w.KNorm!, a.K, a.RstdK, hd, eps);
        }

        k.Rope(Rotary, a.Q, batch.Positions, Config.NumHeads);
        k.Rope(Rotary, a.K, batch.Positions, Config.NumKvHeads);
        if (cache is null)
        {
            k.Attention(a.Q, a.K, a.V, a.Attn, a.Probs, batch.Starts, Config.NumHeads, Config.NumKvHeads, hd, causal: true);
        }
        else
        {
            var (keys, values) = ExtendCache(i, a, batch, cache, kvStarts!);
            k.Attention(a.Q, keys, values, a.Attn, a.Probs, batch.Starts, Config.NumHeads, Config.NumKvHeads, hd, causal: true, kvStarts);
        }

        Project(i, LoraTarget.O, a.Attn, w.O, w.OBias, a.O, a, dropout);
        k.AddInPlace(x, a.O);

        if (training) k.Copy(x, a.XMid!);
        k.RmsNorm(x, w.PostAttentionNorm, a.H2, a.Rstd2, h, eps);
        Project(i, LoraTarget.Gate, a.H2, w.Gate, null, a.Gate, a, dropout);
        Project(i, LoraTarget.Up, a.H2, w.Up, null, a.Up, a, dropout);
        k.SwiGlu(a.Gate, a.Up, a.Act);
        Project(i, LoraTarget.Down, a.Act, w.Down, null, a.Down, a, dropout);
        k.AddInPlace(x, a.Down);
    }

    /// <summary>Where each sequence's keys (cached then new) start in the packed key/value tensors.</summary>
    private static int[] KvStarts(TokenBatch batch, KvCache cache)
    {
        var starts = new int[batch.Count + 1];
        for (int b = 0; b < batch.Count; b++) starts[b + 1] = starts[b] + cache.Lengths[b] + batch.Length(b);
        return starts;
    }

    /// <summary>Packs each sequence's cached keys/values followed by its new ones, and stores them back as the cache.</summary>
    private (Tensor Keys, Tensor Values) ExtendCache(int layer, QwenLayerActivations a, TokenBatch batch, KvCache cache, int[] kvStarts)
    {
        var k = Kernels;
        int kvd = Config.NumKvHeads * Config.HeadDim;
        var keys = k.Allocate(kvStarts[^1], kvd);
        var values = k.Allocate(kvStarts[^1], kvd);
        for (int b = 0; b < batch.Count; b++)
        {
            int cached = cache.Lengths[b], fresh = batch.Length(b);
            if (cached > 0)
            {
                k.CopyRows(cache.Keys(layer, b)!, 0, keys, kvStarts[b], cached);
                k.CopyRows(cache.Values(layer, b)!, 0, values, kvStarts[b], cached);
            }

            k.CopyRows(a.K, batch.Starts[b], keys, kvStarts[b] + cached, fresh);
            k.CopyRows(a.V, batch.Starts[b], values, kvStarts[b] + cached, fresh);
            var ownKeys = k.Allocate(cached + fresh, kvd);
            var ownValues = k.Allocate(cached + fresh, kvd);
            k.CopyRows(keys, kvStarts[b], ownKeys, 0, cached + fresh);
            k.CopyRows(values, kvStarts[b], ownValues, 0, cached + fresh);
            cache.Set(layer, b, ownKeys, ownValues);
        }

        return (keys, values);
    }

    private void Project(int layer, LoraTarget target, Tensor input, Weight w, Weight? bias, Tensor output, QwenLayerActivations a, Random? dropout) =>
        _training.Project(layer, target, input, w, bias, output, a.XIn is null ? null : a.Lora, dropout);

    /// <summary>
    /// Back-propagates dL/d(output) of <see cref="Forward(TokenBatch, BackbonePass?)"/> through the decoder, adding into the LoRA gradients
    /// and, after <see cref="MakeTrainable"/>, the weights' own. Otherwise base weights are frozen and get none.
    /// </summary>
    public void Backward(BackbonePass pass, Tensor dOutput)
    {
        if (pass.Activations is not QwenPassState { FinalInput: not null } state || state.Layers.Count != LayerCount)
            throw new InvalidOperationException("Backward needs the pass of a training Forward of this model");
        var k = Kernels;
        int h = Config.HiddenSize;
        var dx = k.Allocate(pass.Batch.Tokens, h);
        k.RmsNormBackward(dOutput, state.FinalInput, Weights.FinalNorm, state.FinalRstd!, dx, GradOf(Weights.FinalNorm), h);
        _backwardWorkspace.LayersInReverse(k, LayerCount, (i, take) => dx = LayerBackward(i, state.Layers[i], pass.Batch, dx, take));
        if (GradOf(Weights.Embedding) is { } dEmbedding) k.EmbeddingBackward(pass.Batch.Ids, dx, dEmbedding);
        pass.Activations = null;
        _activations.Return(state.Arena);
    }

    private Tensor LayerBackward(int i, QwenLayerActivations a, TokenBatch batch, Tensor dx, Func<int[], Tensor> take)
    {
        var k = Kernels;
        var w = Weights.Layers[i];
        int tokens = batch.Tokens, h = Config.HiddenSize, hd = Config.HeadDim, inter = Config.IntermediateSize;
        int qd = Config.NumHeads * hd, kvd = Config.NumKvHeads * hd;

        // MLP: x₃ = x_mid + down(silu(gate(h₂)) ⊙ up(h₂)),  h₂ = N₂(x_mid); the product is recomputed, not kept.
        var act = take([tokens, inter]);
        k.SwiGlu(a.Gate, a.Up, act);
        var dAct = take([tokens, inter]);
        ProjectBackward(i, LoraTarget.Down, dx, act, w.Down, null, dAct, a);
        var dGate = take([tokens, inter]);
        var dUp = take([tokens, inter]);
        k.SwiGluBackward(a.Gate, a.Up, dAct, dGate, dUp);
        var dH2 = take([tokens, h]);
        ProjectBackward(i, LoraTarget.Gate, dGate, a.H2, w.Gate, null, dH2, a);
        ProjectBackward(i, LoraTarget.Up, dUp, a.H2, w.Up, null, dH2, a);
        k.RmsNormBackward(dH2, a.XMid!, w.PostAttentionNorm, a.Rstd2!, dx, GradOf(w.PostAttentionNorm), h);

        // Attention: x_mid = x_in + o(A(R(q), R(k), v)),  q, k, v projections of h₁ = N₁(x_in).
        var dAttn = take([tokens, qd]);
        ProjectBackward(i, LoraTarget.O, dx, a.Attn, w.O, w.OBias, dAttn, a);
        var dQ = take([tokens, qd]);
        var dK = take([tokens, kvd]);
        var dV = take([tokens, kvd]);
        k.AttentionBackward(dAttn, a.Q, a.K, a.V, a.Probs!, dQ, dK, dV, batch.Starts, Config.NumHeads, Config.NumKvHeads, hd);
        var dQr = take([tokens, qd]);
        var dKr = take([tokens, kvd]);
        k.RopeBackward(Rotary, dQ, dQr, batch.Positions, Config.NumHeads);
        k.RopeBackward(Rotary, dK, dKr, batch.Positions, Config.NumKvHeads);
        if (w.QNorm is not null)
        {
            var dQPre = take([tokens, qd]);
            var dKPre = take([tokens, kvd]);
            k.RmsNormBackward(dQr, a.QPre!, w.QNorm, a.RstdQ!, dQPre, GradOf(w.QNorm), hd);
            k.RmsNormBackward(dKr, a.KPre!, w.KNorm!, a.RstdK!, dKPre, GradOf(w.KNorm), hd);
            (dQr, dKr) = (dQPre, dKPre);
        }

        var dH1 = take([tokens, h]);
        ProjectBackward(i, LoraTarget.Q, dQr, a.H1, w.Q, w.QBias, dH1, a);
        ProjectBackward(i, LoraTarget.K, dKr, a.H1, w.K, w.KBias, dH1, a);
        ProjectBackward(i, LoraTarget.V, dV, a.H1, w.V, w.VBias, dH1, a);
        k.RmsNormBackward(dH1, a.XIn!, w.InputNorm, a.Rstd1!, dx, GradOf(w.InputNorm), h);
        return dx;
    }

    private void ProjectBackward(int layer, LoraTarget target, Tensor dy, Tensor input, Weight w, Weight? bias, Tensor dInput, QwenLayerActivations a) =>
        _training.ProjectBackward(layer, target, dy, input, w, bias, dInput, a.Lora);

    private Tensor? GradOf(Weight? w) => _training.GradOf(w);

    /// <summary>One vector per text: [texts, hidden].</summary>
    public float[] Pool(Tensor hidden, TokenBatch batch, PoolingMode mode) => PooledStates.Of(Kernels, hidden, batch, mode, HiddenSize);

    /// <summary>
    /// Next-token logits at each text's last position for the given token ids only: [texts, ids]. Only those rows
    /// of the output head are read, never the whole vocabulary.
    /// </summary>
    public float[] LastLogits(Tensor hidden, TokenBatch batch, IReadOnlyList<int> tokenIds)
    {
        var host = Host(hidden);
        int h = HiddenSize;
        var rows = new float[tokenIds.Count * h];
        for (int j = 0; j < tokenIds.Count; j++)
        {
            if ((uint)tokenIds[j] >= (uint)Weights.LmHead.Rows) throw new ArgumentOutOfRangeException(nameof(tokenIds), $"token id {tokenIds[j]} is outside the vocabulary");
            Weights.LmHead.ReadRow(tokenIds[j], rows.AsSpan(j * h, h));
        }

        var logits = new float[batch.Count * tokenIds.Count];
        for (int b = 0; b < batch.Count; b++)
        {
            var state = host.AsSpan(batch.Last(b) * h, h);
            for (int j = 0; j < tokenIds.Count; j++)
                logits[b * tokenIds.Count + j] = System.Numerics.Tensors.TensorPrimitives.Dot(state, rows.AsSpan(j * h, h));
        }

        return logits;
    }

    private float[] Host(Tensor t)
    {
        var host = new float[t.Length];
        Kernels.CopyTo(t, host);
        return host;
    }

    public int[] Truncate(int[] ids, int maxTokens) => ids.Length <= maxTokens ? ids : ids[..maxTokens];

    /// <summary>Query, separator, passage, end of text (the first end-of-text id of the config, else the id of a newline).</summary>
    public int[] EncodePair(int[] query, int[] passage, string separator)
    {
        int end = Config.EosTokenIds.Count > 0 ? Config.EosTokenIds[0] : Encode("\n")[^1];
        return [.. query, .. Encode(separator, allowSpecialTokens: false), .. passage, end];
    }

    /// <summary>
    /// Per layer the residual/norm/projection/MLP activations and this token's row of attention probabilities (at most
    /// <paramref name="maxTokens"/> keys per head), in float32.
    /// </summary>
    public long TrainingBytesPerToken(int maxTokens)
    {
        var c = Config;
        long perLayer = 4L * c.HiddenSize + 2L * c.IntermediateSize + 3L * c.NumHeads * c.HeadDim + 3L * c.NumKvHeads * c.HeadDim + (long)c.NumHeads * maxTokens;
        return 4 * (perLayer * LayerCount + c.HiddenSize + c.IntermediateSize);
    }

    public void Logits(Tensor states, Tensor logits) => Kernels.Linear(states, Weights.LmHead, null, logits);

    public void OutputRow(int tokenId, Span<float> row) => Weights.LmHead.ReadRow(tokenId, row);

    public string WeightsDigest() => Weights.Digest();

    /// <summary>A Hugging Face folder (see <see cref="QwenExport"/>).</summary>
    public void Save(string directory) => QwenExport.Save(this, directory);

    public void Dispose() => _checkpoint?.Dispose();
}
