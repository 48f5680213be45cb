using D2LLM.Models;
using D2LLM.Models.Qwen;
using D2LLM.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// A Qwen2 / Qwen2.5 / Qwen3 decoder on torch tensors, the same math as <see cref="QwenModel"/> (see it for the layer
/// formulas) in Hugging Face's order of operations: RMSNorm in float32, rotate-half RoPE, grouped-query attention
/// through scaled_dot_product_attention, SwiGLU. Packed batches are padded on the right to their longest text with a
/// causal and key-padding mask, so one batch is one pass of large products on the GPU.
/// LoRA adapters mirrored from a host model train through autograd (see <see cref="TorchBackbone"/>).
/// Full fine-tuning makes these weights autograd leaves (see <see cref="TorchBackbone.MakeTrainable"/>); the output head
/// stays on the host model.
/// </summary>
public sealed class TorchQwenDecoder : ITorchNetwork
{
    private readonly Tensor _embedding;
    private readonly Tensor _finalNorm;
    private readonly Layer[] _layers;

    internal TorchQwenDecoder(QwenModel model, TorchOptions options)
    {
        Config = model.Config;
        Device = TorchDevice.Resolve(options.Device);
        DType = options.DType;
        Lora = new TorchLoraSet(Device);
        var copies = new DeviceCopies(Device, DType);
        Tensor Copy(Weight w) => copies[w];
        Tensor? CopyOrNull(Weight? w) => w is null ? null : Copy(w);
        _embedding = Copy(model.Weights.Embedding);
        _finalNorm = Copy(model.Weights.FinalNorm);
        _layers = model.Weights.Layers.Select(l => new Layer(Copy(l.InputNorm), Copy(l.PostAttentionNorm), Copy(l.Q), Copy(l.K), Copy(l.V), Copy(l.O),
            Copy(l.Gate), Copy(l.Up), Copy(l.Down), CopyOrNull(l.QBias), CopyOrNull(l.KBias), CopyOrNull(l.VBias), CopyOrNull(l.OBias),
            CopyOrNull(l.QNorm), CopyOrNull(l.KNorm))).ToArray();
        Weights = copies.Named(model.Weights.Named());
    }

    public ModelConfig Config { get; }
    public Device Device { get; }
    public ScalarType DType { get; }
    public int HiddenSize => Config.HiddenSize;

    TorchLoraSet ITorchNetwork.Lora => Lora;

    internal TorchLoraSet Lora { get; }

    IReadOnlyDictionary<string, Tensor> ITorchNetwork.Weights => Weights;

    internal IReadOnlyDictionary<string, Tensor> Weights { get; }

    /// <summary>A device copy of a model the engine holds (its weights are copied; the caller keeps or disposes the model).</summary>
    public static TorchQwenDecoder From(QwenModel model, TorchOptions? options = null) => new(model, options ?? new TorchOptions());

    /// <summary>Loads a Hugging Face Qwen folder (through the CPU engine's reader) onto the chosen device.</summary>
    public static TorchQwenDecoder Load(string directory, TorchOptions? options = null)
    {
        using var model = QwenModel.Load(directory);
        return new TorchQwenDecoder(model, options ?? new TorchOptions());
    }

    /// <summary>Final-normed hidden states [tokens, hidden] of a packed batch, as <see cref="QwenModel.Forward(TokenBatch, BackbonePass?)"/> gives them, in float32.</summary>
    public float[] Forward(TokenBatch batch) => Forward(batch, null);

    /// <summary>
    /// Hidden states of new tokens continuing the sequences in <paramref name="cache"/> (pack the batch with the cache's
    /// lengths as position offsets), as <see cref="QwenModel.Forward(TokenBatch, KvCache)"/>: the cache holds host
    /// copies in the engine's layout (keys after rotary, [tokens, kv heads · d]), so either backend continues it. The
    /// cached prefix is uploaded on each call — right for a shared prompt prefix, slow for long generation.
    /// </summary>
    public float[] Forward(TokenBatch batch, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return TorchMirror.ToHost(Hidden(batch, training: false, cache));
    }

    Tensor ITorchNetwork.ForwardTraining(TokenBatch batch)
    {
        using var scope = NewDisposeScope();
        return Hidden(batch, training: true).MoveToOuterDisposeScope();
    }

    private Tensor Hidden(TokenBatch batch, bool training, KvCache? cache = null)
    {
        if (cache is not null && (cache.Sequences != batch.Count || cache.Layers != _layers.Length))
            throw new ArgumentException("a key/value cache needs one cached entry per sequence and layer");
        var padded = new PaddedBatch(batch);
        int texts = padded.Texts, longest = padded.Longest, h = HiddenSize;
        var x = _embedding.index_select(0, tensor(padded.Pad(batch.Ids), device: Device)).view(texts, longest, h);
        var (cos, sin) = RotaryTables(padded.Pad(batch.Positions), texts, longest);
        var lengths = Enumerable.Range(0, texts).Select(batch.Length).ToArray();
        var cached = cache?.Lengths.ToArray() ?? new int[texts];
        var mask = Mask(cached, lengths, longest);
        for (int i = 0; i < _layers.Length; i++)
        {
            // Each layer's intermediates are released when it ends (autograd keeps what backward needs on its own).
            using var layerScope = NewDisposeScope();
            x = LayerForward(i, x, cos, sin, mask, texts, longest, training, cache is null ? null : (k, v) => Extend(i, k, v, cache, cached, lengths))
                .MoveToOuterDisposeScope();
        }

        if (cache is not null)
            for (int b = 0; b < texts; b++) cache.Lengths[b] += lengths[b];
        return padded.Gather(RmsNorm(x, _finalNorm), h);
    }

    /// <summary>
    /// [texts, 1, L, Lk]: query i of text b (at position cached_b + i) reads key j when j ≤ cached_b + i and j is one of
    /// the text's keys. Padding queries read real keys too (never a fully masked row), and are dropped at the end.
    /// </summary>
    private Tensor Mask(int[] cached, int[] lengths, int longest)
    {
        int keys = Enumerable.Range(0, cached.Length).Max(b => cached[b] + lengths[b]);
        var allowed = new bool[cached.Length * longest * keys];
        for (int b = 0; b < cached.Length; b++)
            for (int i = 0; i < longest; i++)
                for (int j = 0; j <= Math.Min(cached[b] + i, cached[b] + lengths[b] - 1); j++)
                    allowed[(b * longest + i) * keys + j] = true;
        return tensor(allowed, [cached.Length, 1, longest, keys], device: Device);
    }

    /// <summary>
    /// Each text's cached keys (or values) of layer i followed by its new ones [texts, kv heads, Lk, d], padded to the
    /// longest; the joined rows go back into the cache as host copies.
    /// </summary>
    private (Tensor Keys, Tensor Values) Extend(int layer, Tensor keys, Tensor values, KvCache cache, int[] cached, int[] lengths)
    {
        int kvHeads = Config.NumKvHeads, d = Config.HeadDim, longestKeys = Enumerable.Range(0, cached.Length).Max(b => cached[b] + lengths[b]);
        var joinedKeys = new List<Tensor>();
        var joinedValues = new List<Tensor>();
        for (int b = 0; b < cached.Length; b++)
        {
            var k = Join(cache.Keys(layer, b), keys[b, .., ..lengths[b]], cached[b]);
            var v = Join(cache.Values(layer, b), values[b, .., ..lengths[b]], cached[b]);
            cache.Set(layer, b, ToHost(k), ToHost(v));
            joinedKeys.Add(nn.functional.pad(k, [0, 0, 0, longestKeys - k.shape[1]]));
            joinedValues.Add(nn.functional.pad(v, [0, 0, 0, longestKeys - v.shape[1]]));
        }

        return (stack(joinedKeys), stack(joinedValues));

        Tensor Join(D2LLM.Tensors.Tensor? prefix, Tensor fresh, int count) => prefix is null || count == 0
            ? fresh
            : cat([tensor(prefix.Span[..(count * kvHeads * d)].ToArray(), [count, kvHeads, d]).transpose(0, 1).to(DType, Device), fresh], 1);

        D2LLM.Tensors.Tensor ToHost(Tensor joined) =>
            D2LLM.Tensors.Tensor.Wrap(TorchMirror.ToHost(joined.transpose(0, 1)), (int)joined.shape[1], kvHeads * d);
    }

    private Tensor LayerForward(int i, Tensor x, Tensor cos, Tensor sin, Tensor mask, int texts, int longest, bool training,
        Func<Tensor, Tensor, (Tensor, Tensor)>? extend)
    {
        var w = _layers[i];
        int heads = Config.NumHeads, kvHeads = Config.NumKvHeads, d = Config.HeadDim;
        Tensor Project(LoraTarget target, Tensor input, Tensor weight, Tensor? bias) => Lora.Project(i, target, input, weight, bias, training);

        var h1 = RmsNorm(x, w.InputNorm);
        var q = Project(LoraTarget.Q, h1, w.Q, w.QBias).view(texts, longest, heads, d);
        var k = Project(LoraTarget.K, h1, w.K, w.KBias).view(texts, longest, kvHeads, d);
        var v = Project(LoraTarget.V, h1, w.V, w.VBias).view(texts, longest, kvHeads, d);
        if (w.QNorm is not null)
        {
            q = RmsNorm(q, w.QNorm);
            k = RmsNorm(k, w.KNorm!);
        }

        q = Rotate(q.transpose(1, 2), cos, sin);
        k = Rotate(k.transpose(1, 2), cos, sin);
        v = v.transpose(1, 2);
        if (extend is not null) (k, v) = extend(k, v);
        if (heads != kvHeads)
        {
            k = k.repeat_interleave(heads / kvHeads, dim: 1);
            v = v.repeat_interleave(heads / kvHeads, dim: 1);
        }

        var attention = nn.functional.scaled_dot_product_attention(q, k, v, mask, 0, false).transpose(1, 2).reshape(texts, longest, heads * d);
        x = TorchScalars.Plus(x, Project(LoraTarget.O, attention, w.O, w.OBias));
        var h2 = RmsNorm(x, w.PostAttentionNorm);
        return TorchScalars.Plus(x, Project(LoraTarget.Down, nn.functional.silu(Project(LoraTarget.Gate, h2, w.Gate, null)) * Project(LoraTarget.Up, h2, w.Up, null), w.Down, null));
    }

    /// <summary>w ⊙ x / √(mean(x²) + ε) over the last axis, computed in float32 and cast back (Hugging Face's Qwen2RMSNorm).</summary>
    private Tensor RmsNorm(Tensor x, Tensor weight)
    {
        var x32 = x.to(ScalarType.Float32);
        var normed = x32 * rsqrt(x32.square().mean([-1L], keepdim: true).add(TorchScalars.Of(Config.RmsNormEps)));
        return weight * normed.to(DType);
    }

    /// <summary>Rotate-half RoPE of x[texts, heads, L, d]: x·cos + [−x₂, x₁]·sin.</summary>
    private static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        var halves = x.chunk(2, -1);
        return TorchScalars.Plus(x * cos, cat([-halves[1], halves[0]], -1) * sin);
    }

    /// <summary>cos and sin [texts, 1, L, d] at each token's position, with the engine's float32 inverse frequencies.</summary>
    private (Tensor Cos, Tensor Sin) RotaryTables(long[] positions, int texts, int longest)
    {
        int d = Config.HeadDim, half = d / 2;
        var cos = new float[positions.Length * d];
        var sin = new float[positions.Length * d];
        for (int i = 0; i < half; i++)
        {
            float invFreq = (float)(1.0 / Math.Pow(Config.RopeTheta, (double)(2 * i) / d));
            for (int t = 0; t < positions.Length; t++)
            {
                double angle = (float)positions[t] * invFreq;
                cos[t * d + i] = cos[t * d + half + i] = (float)Math.Cos(angle);
                sin[t * d + i] = sin[t * d + half + i] = (float)Math.Sin(angle);
            }
        }

        Tensor Table(float[] values) => tensor(values, [texts, 1, longest, d]).to(DType, Device);
        return (Table(cos), Table(sin));
    }

    public void Dispose()
    {
        Lora.Dispose();
        _embedding.Dispose();
        _finalNorm.Dispose();
        foreach (var layer in _layers) layer.Dispose();
    }

    private sealed record Layer(Tensor InputNorm, Tensor PostAttentionNorm, Tensor Q, Tensor K, Tensor V, Tensor O, Tensor Gate, Tensor Up, Tensor Down,
        Tensor? QBias, Tensor? KBias, Tensor? VBias, Tensor? OBias, Tensor? QNorm, Tensor? KNorm) : IDisposable
    {
        public void Dispose()
        {
            foreach (var t in new[] { InputNorm, PostAttentionNorm, Q, K, V, O, Gate, Up, Down, QBias, KBias, VBias, OBias, QNorm, KNorm }) t?.Dispose();
        }
    }
}
