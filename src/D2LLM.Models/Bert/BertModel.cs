using D2LLM.Models.Checkpoints;
using D2LLM.Models.Tokenization;
using D2LLM.Tensors;
using D2LLM.Tensors.Kernels;
using D2LLM.Tensors.Optim;

namespace D2LLM.Models.Bert;

/// <summary>
/// A BERT-family encoder (Hugging Face BertModel: BERT, MiniLM, bge, e5, gte, arctic-embed) over packed
/// variable-length batches: no padding, so no padding mask is needed — attention never crosses a text's boundary.
/// Embeddings, then per layer (post-LayerNorm, exact GELU, bidirectional attention A):
///   x₀ = LN_e(E_word[id] + E_pos[p] + E_type[t])
///   q, k, v = x·W_qᵀ + b_q, …;   h = LN₁(x + A(q, k, v)·W_oᵀ + b_o);   x ← LN₂(h + gelu(h·W_uᵀ + b_u)·W_dᵀ + b_d)
/// and the output is the last x. Token types follow the pair template: 0 up to and including a text's first [SEP],
/// 1 after it. Base weights are frozen unless <see cref="MakeTrainable"/>; LoRA adapters on any projection train
/// through <see cref="Backward"/>. Every layer runs through <see cref="IKernels"/>.
/// </summary>
public sealed class BertModel : IBackbone
{
    private readonly Checkpoint? _checkpoint;
    private readonly TrainableProjections _training;

    private readonly SpareArena _workspace = new();
    private readonly SpareArena _backwardWorkspace = new();
    private readonly ActivationPool _activations = new();

    private BertModel(BertConfig config, BertWeights weights, WordPieceTokenizer tokenizer, IKernels kernels, Checkpoint? checkpoint, string? directory)
    {
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
        Kernels = kernels;
        _training = new TrainableProjections(kernels);
        _checkpoint = checkpoint;
        Directory = directory;
    }

    public BertConfig Config { get; }
    public BertWeights Weights { get; private set; }
    public WordPieceTokenizer Tokenizer { get; }
    public IKernels Kernels { get; }
    public string? Directory { get; }
    public int HiddenSize => Config.HiddenSize;
    public int LayerCount => Weights.Layers.Length;
    public int ConfiguredLayers => Config.NumLayers;
    public int MaxPositions => Config.MaxPositions;
    public bool IsCausal => false;
    public bool HasLora => _training.HasLora;

    /// <summary>The LoRA adapters by layer and projection (empty until <see cref="AddLora"/>).</summary>
    public IReadOnlyDictionary<(int Layer, LoraTarget Target), LoraAdapter> Lora => _training.Lora;
    public IReadOnlySet<int> SpecialTokenIds => Tokenizer.SpecialIds;
    public long ParameterCount => Weights.Named().Sum(n => (long)n.Weight.Length);
    public long WeightBytes => Weights.Named().Sum(n => (long)n.Weight.Bytes().Length);

    /// <summary>Loads config.json, vocab.txt (with tokenizer_config.json) and the safetensors weights of a BERT folder.</summary>
    public static BertModel Load(string directory, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model folder not found");
        if (options.RandomSeed is not null) throw new ArgumentException("random initialisation is for decoders; a BERT folder is loaded with its weights");
        var config = BertConfig.Load(directory);
        var tokenizer = WordPieceTokenizer.Load(directory);
        var checkpoint = Checkpoint.Open(directory);
        try
        {
            return new BertModel(config, BertWeights.Load(checkpoint, config, options.Layers), tokenizer, options.Kernels, checkpoint, directory);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    public int[] Encode(string text, bool allowSpecialTokens = true) => Tokenizer.Encode(text, allowSpecialTokens);

    /// <summary>[CLS] text [SEP], at most <paramref name="maxTokens"/> in all (the text is cut, the markers kept).</summary>
    public int[] EncodeUntrusted(string text, int maxTokens)
    {
        var ids = Tokenizer.Encode(text, allowSpecialTokens: false);
        int room = Math.Max(0, Math.Min(maxTokens, MaxPositions) - 2);
        return [Tokenizer.ClsId, .. ids.Length > room ? ids[..room] : ids, Tokenizer.SepId];
    }

    /// <summary>The first maxTokens − 1 ids and the text's closing [SEP].</summary>
    public int[] Truncate(int[] ids, int maxTokens) => ids.Length <= maxTokens ? ids : [.. ids[..(maxTokens - 1)], Tokenizer.SepId];

    /// <summary>[CLS] query [SEP] passage [SEP] from two texts encoded by <see cref="EncodeUntrusted"/>; the separator text is not used.</summary>
    public int[] EncodePair(int[] query, int[] passage, string separator) => [.. query, .. passage.AsSpan(1)];

    /// <summary>Attaches fresh LoRA adapters (B = 0) to the chosen projections of every layer (BERT has no gate: skipped).</summary>
    public void AddLora(LoraOptions options, int seed) =>
        _training.AddLora(LayerCount, options, seed, (i, target) => BertLayerWeights.ProjectionNames.TryGetValue(target, out var name)
            ? (Weights.Layers[i].Projection(target), $"encoder.layer.{i}.{name}") : null);

    public IEnumerable<Parameter> LoraParameters() => _training.LoraParameters();

    /// <summary>
    /// Full fine-tuning: every layer tensor becomes a float32 parameter (decay on matrices only); the embedding tables and
    /// their norm too with <paramref name="includeEmbedding"/>.
    /// </summary>
    public IReadOnlyList<Parameter> MakeTrainable(bool includeEmbedding = false)
    {
        _training.EnsureFrozen();
        var parameters = new List<Parameter>();
        Weights = Weights.With((name, w) =>
        {
            bool embedding = name.StartsWith("embeddings.", StringComparison.Ordinal);
            return embedding && !includeEmbedding ? w : _training.MakeTrainable(name, w, weightDecay: w.Shape.Length == 2 && !embedding, parameters);
        });
        return parameters;
    }

    public IEnumerable<Parameter> TrainableParameters() => _training.TrainableParameters(Weights.Named());

    public long TrainingBytesPerToken(int maxTokens)
    {
        var c = Config;
        long perLayer = 8L * c.HiddenSize + c.IntermediateSize + (long)c.NumHeads * maxTokens + 4;
        return 4 * (perLayer * LayerCount + 2L * c.HiddenSize + c.IntermediateSize + 2);
    }

    public Tensor Forward(TokenBatch batch, BackbonePass? pass = null) =>
        pass is null ? _workspace.Use(arena => Compute(batch, null, arena, outputInArena: false)) : Compute(batch, pass, null, false);

    public float[] Embed(TokenBatch batch, PoolingMode mode) =>
        _workspace.Use(arena => Pool(Compute(batch, null, arena, outputInArena: true), batch, mode));

    /// <summary>A training pass (own tensors, kept in <paramref name="pass"/>) or an inference pass in <paramref name="arena"/>.</summary>
    private Tensor Compute(TokenBatch batch, BackbonePass? pass, TensorArena? arena, bool outputInArena)
    {
        var k = Kernels;
        int h = HiddenSize;
        float eps = (float)Config.LayerNormEps;
        foreach (int p in batch.Positions)
            if (p >= MaxPositions) throw new ArgumentException($"a text of {p + 1} tokens exceeds the model's {MaxPositions} positions");
        var types = TokenTypes(batch);

        // x₀ = LN_e(word + position + type)
        // A training pass works in an arena of its own that its backward pass hands back; the output is its own.
        var work = arena ?? _activations.Rent();
        var x = outputInArena || pass is not null ? work.Take(batch.Tokens, h) : k.Allocate(batch.Tokens, h);
        var part = work.Take(batch.Tokens, h);
        k.Embedding(batch.Ids, Weights.Word, x);
        k.Embedding(batch.Positions, Weights.Position, part);
        k.AddInPlace(x, part);
        k.Embedding(types, Weights.TokenType, part);
        k.AddInPlace(x, part);
        BertPassState? state = null;
        if (pass is not null)
        {
            state = new BertPassState { Arena = work, EmbeddingSum = x, EmbeddingMean = work.Take(batch.Tokens), EmbeddingRstd = work.Take(batch.Tokens), TokenTypes = types };
            pass.Activations = state;
            x = k.Allocate(batch.Tokens, h);
        }

        k.LayerNorm(state?.EmbeddingSum ?? x, Weights.EmbeddingNorm, Weights.EmbeddingNormBias, x, state?.EmbeddingMean, state?.EmbeddingRstd, h, eps);
        long probsLength = Attention.ProbsLength(batch.Starts, Config.NumHeads);
        var shared = state is null ? new BertLayerActivations(work, batch.Tokens, Config) : null;
        var product = state is null ? null : work.Take(batch.Tokens, Config.IntermediateSize);
        for (int i = 0; i < LayerCount; i++)
        {
            var a = shared ?? new BertLayerActivations(work, batch.Tokens, Config, probsLength, projection: part, product!);
            LayerForward(i, x, batch, a, pass?.Dropout);
            state?.Layers.Add(a);
        }

        return x;
    }

    /// <summary>One layer, in place on x (see the class comment); a training pass keeps the layer's input, residual sums and norm statistics.</summary>
    private void LayerForward(int i, Tensor x, TokenBatch batch, BertLayerActivations a, Random? dropout)
    {
        var k = Kernels;
        var w = Weights.Layers[i];
        int h = HiddenSize;
        float eps = (float)Config.LayerNormEps;
        bool training = a.XIn is not null;
        // A training pass projects from its copy of the input: x changes in place below, and LoRA's backward reads the input.
        if (training) k.Copy(x, a.XIn!);
        var input = a.XIn ?? x;
        Project(i, LoraTarget.Q, input, w.Q, w.QBias, a.Q, a, dropout);
        Project(i, LoraTarget.K, input, w.K, w.KBias, a.K, a, dropout);
        Project(i, LoraTarget.V, input, w.V, w.VBias, a.V, a, dropout);
        k.Attention(a.Q, a.K, a.V, a.Attn, a.Probs, batch.Starts, Config.NumHeads, Config.NumHeads, Config.HeadDim, causal: false);
        Project(i, LoraTarget.O, a.Attn, w.O, w.OBias, a.O, a, dropout);
        k.AddInPlace(x, a.O);
        if (training) k.Copy(x, a.Residual1!);
        var h1 = a.H1 ?? x;
        k.LayerNorm(x, w.AttentionNorm, w.AttentionNormBias, h1, a.Mean1, a.Rstd1, h, eps);

        Project(i, LoraTarget.Up, h1, w.Up, w.UpBias, a.Up, a, dropout);
        k.Gelu(a.Up, a.Act);
        Project(i, LoraTarget.Down, a.Act, w.Down, w.DownBias, a.Down, a, dropout);
        if (training) k.Copy(h1, x);
        k.AddInPlace(x, a.Down);
        if (training) k.Copy(x, a.Residual2!);
        k.LayerNorm(x, w.OutputNorm, w.OutputNormBias, x, a.Mean2, a.Rstd2, h, eps);
    }

    private void Project(int layer, LoraTarget target, Tensor input, Weight w, Weight bias, Tensor output, BertLayerActivations a, Random? dropout) =>
        _training.Project(layer, target, input, w, bias, output, a.XIn is null ? null : a.Lora, dropout);

    /// <summary>
    /// Back-propagates dL/d(output) of a training <see cref="Forward"/> through the encoder, adding into the LoRA
    /// gradients and, after <see cref="MakeTrainable"/>, the weights' own.
    /// </summary>
    public void Backward(BackbonePass pass, Tensor dOutput)
    {
        if (pass.Activations is not BertPassState state || state.Layers.Count != LayerCount)
            throw new InvalidOperationException("Backward needs the pass of a training Forward of this model");
        var k = Kernels;
        int h = HiddenSize;
        var dx = k.Allocate(pass.Batch.Tokens, h);
        k.Copy(dOutput, dx);
        // A layer's result is a view into the workspace the next layer reuses: copied out into dx.
        _backwardWorkspace.LayersInReverse(k, LayerCount, (i, take) => k.Copy(LayerBackward(i, state.Layers[i], pass.Batch, dx, take), dx));

        var dSum = k.Allocate(pass.Batch.Tokens, h);
        k.LayerNormBackward(dx, state.EmbeddingSum, Weights.EmbeddingNorm, state.EmbeddingMean, state.EmbeddingRstd, dSum,
            GradOf(Weights.EmbeddingNorm), GradOf(Weights.EmbeddingNormBias), h);
        if (GradOf(Weights.Word) is { } dWord) k.EmbeddingBackward(pass.Batch.Ids, dSum, dWord);
        if (GradOf(Weights.Position) is { } dPosition) k.EmbeddingBackward(pass.Batch.Positions, dSum, dPosition);
        if (GradOf(Weights.TokenType) is { } dType) k.EmbeddingBackward(state.TokenTypes, dSum, dType);
        pass.Activations = null;
        _activations.Return(state.Arena);
    }

    /// <summary>Gradient of one layer's input from its output's (the forward in reverse; norms and residuals as kept).</summary>
    private Tensor LayerBackward(int i, BertLayerActivations a, TokenBatch batch, Tensor dOut, Func<int[], Tensor> take)
    {
        var k = Kernels;
        var w = Weights.Layers[i];
        int tokens = batch.Tokens, h = HiddenSize, inter = Config.IntermediateSize;

        // x_out = LN₂(r₂),  r₂ = h₁ + down(gelu(up(h₁)))
        var dR2 = take([tokens, h]);
        k.LayerNormBackward(dOut, a.Residual2!, w.OutputNorm, a.Mean2!, a.Rstd2!, dR2, GradOf(w.OutputNorm), GradOf(w.OutputNormBias), h);
        var act = take([tokens, inter]);
        k.Gelu(a.Up, act); // recomputed, not kept
        var dAct = take([tokens, inter]);
        ProjectBackward(i, LoraTarget.Down, dR2, act, w.Down, w.DownBias, dAct, a);
        var dUp = take([tokens, inter]);
        k.GeluBackward(a.Up, dAct, dUp);
        var dH1 = dR2; // the residual path carries dR₂ into h₁; the MLP adds its part
        ProjectBackward(i, LoraTarget.Up, dUp, a.H1!, w.Up, w.UpBias, dH1, a);

        // h₁ = LN₁(r₁),  r₁ = x_in + o(A(q, k, v))
        var dR1 = take([tokens, h]);
        k.LayerNormBackward(dH1, a.Residual1!, w.AttentionNorm, a.Mean1!, a.Rstd1!, dR1, GradOf(w.AttentionNorm), GradOf(w.AttentionNormBias), h);
        var dAttn = take([tokens, h]);
        ProjectBackward(i, LoraTarget.O, dR1, a.Attn, w.O, w.OBias, dAttn, a);
        var dQ = take([tokens, h]);
        var dK = take([tokens, h]);
        var dV = take([tokens, h]);
        k.AttentionBackward(dAttn, a.Q, a.K, a.V, a.Probs!, dQ, dK, dV, batch.Starts, Config.NumHeads, Config.NumHeads, Config.HeadDim);
        var dIn = dR1; // the residual path, then the three projections
        ProjectBackward(i, LoraTarget.Q, dQ, a.XIn!, w.Q, w.QBias, dIn, a);
        ProjectBackward(i, LoraTarget.K, dK, a.XIn!, w.K, w.KBias, dIn, a);
        ProjectBackward(i, LoraTarget.V, dV, a.XIn!, w.V, w.VBias, dIn, a);
        return dIn;
    }

    private void ProjectBackward(int layer, LoraTarget target, Tensor dy, Tensor input, Weight w, Weight bias, Tensor dInput, BertLayerActivations a) =>
        _training.ProjectBackward(layer, target, dy, input, w, bias, dInput, a.Lora);

    private Tensor? GradOf(Weight w) => _training.GradOf(w);

    /// <summary>One vector per text: [texts, hidden]; <see cref="PoolingMode.First"/> is the [CLS] state.</summary>
    public float[] Pool(Tensor hidden, TokenBatch batch, PoolingMode mode) => PooledStates.Of(Kernels, hidden, batch, mode, HiddenSize);

    public string WeightsDigest() => WeightDigest.Of(Weights.Named());

    /// <summary>A Hugging Face BERT folder: the source folder's other files copied, one model.safetensors with trained tensors (LoRA merged) in float32.</summary>
    public void Save(string directory) => ModelExport.Save(this, directory, Weights.Named(), TrainableParameters(),
        _training.Lora.Select(e => ($"encoder.layer.{e.Key.Layer}.{BertLayerWeights.ProjectionNames[e.Key.Target]}.weight", e.Value, Weights.Layers[e.Key.Layer].Projection(e.Key.Target))));

    /// <summary>Token types of the pair template: 1 after a text's first [SEP] (and before its end), 0 elsewhere.</summary>
    internal int[] TokenTypes(TokenBatch batch)
    {
        var types = new int[batch.Tokens];
        if (Config.TypeVocabSize < 2) return types;
        for (int b = 0; b < batch.Count; b++)
        {
            int sep = Array.IndexOf(batch.Ids, Tokenizer.SepId, batch.Starts[b], batch.Length(b));
            for (int t = sep < 0 ? batch.Starts[b + 1] : sep + 1; t < batch.Starts[b + 1]; t++) types[t] = 1;
        }

        return types;
    }

    public void Dispose() => _checkpoint?.Dispose();
}
