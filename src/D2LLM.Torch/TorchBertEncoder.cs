using D2LLM.Models;
using D2LLM.Models.Bert;
using D2LLM.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// A BERT-family encoder on torch tensors, the math of <see cref="BertModel"/> (see it for the layer formulas) in
/// Hugging Face's order: x₀ = LN(word + position + token type); per layer r₁ = x + o(A(q, k, v)), h₁ = LN(r₁),
/// x = LN(h₁ + down(gelu(up(h₁)))) with exact (erf) GELU and bidirectional attention through
/// scaled_dot_product_attention. Packed batches are padded on the right with a key-padding mask; LayerNorms compute in
/// float32. LoRA adapters mirrored from the host model train through autograd (see <see cref="TorchBackbone"/>).
/// </summary>
internal sealed class TorchBertEncoder : ITorchNetwork
{
    private readonly BertModel _host;
    private readonly BertConfig _config;
    private readonly ScalarType _dtype;
    private readonly Tensor _word, _position, _tokenType, _norm, _normBias;
    private readonly Layer[] _layers;

    public TorchBertEncoder(BertModel host, TorchOptions options)
    {
        _host = host;
        _config = host.Config;
        Device = TorchDevice.Resolve(options.Device);
        _dtype = options.DType;
        Lora = new TorchLoraSet(Device);
        var copies = new DeviceCopies(Device, _dtype);
        Tensor Copy(Weight w) => copies[w];
        var weights = host.Weights;
        (_word, _position, _tokenType) = (Copy(weights.Word), Copy(weights.Position), Copy(weights.TokenType));
        (_norm, _normBias) = (Copy(weights.EmbeddingNorm), Copy(weights.EmbeddingNormBias));
        _layers = weights.Layers.Select(l => new Layer(Copy(l.Q), Copy(l.QBias), Copy(l.K), Copy(l.KBias), Copy(l.V), Copy(l.VBias),
            Copy(l.O), Copy(l.OBias), Copy(l.AttentionNorm), Copy(l.AttentionNormBias), Copy(l.Up), Copy(l.UpBias),
            Copy(l.Down), Copy(l.DownBias), Copy(l.OutputNorm), Copy(l.OutputNormBias))).ToArray();
        Weights = copies.Named(weights.Named());
    }

    public Device Device { get; }
    public TorchLoraSet Lora { get; }
    public IReadOnlyDictionary<string, Tensor> Weights { get; }

    public float[] Forward(TokenBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return TorchMirror.ToHost(Hidden(batch, training: false));
    }

    public Tensor ForwardTraining(TokenBatch batch)
    {
        using var scope = NewDisposeScope();
        return Hidden(batch, training: true).MoveToOuterDisposeScope();
    }

    private Tensor Hidden(TokenBatch batch, bool training)
    {
        var padded = new PaddedBatch(batch);
        int texts = padded.Texts, longest = padded.Longest, h = _config.HiddenSize;
        Tensor Lookup(Tensor table, IReadOnlyList<int> perToken) => table.index_select(0, tensor(padded.Pad(perToken), device: Device));
        var sum = TorchScalars.Plus(TorchScalars.Plus(Lookup(_word, batch.Ids), Lookup(_position, batch.Positions)), Lookup(_tokenType, _host.TokenTypes(batch)));
        var x = LayerNorm(sum, _norm, _normBias).view(texts, longest, h);
        // Every query (padding ones too, dropped at the end) reads the keys of its own text.
        var mask = tensor(padded.Valid(), [texts, 1, 1, longest], device: Device);
        for (int i = 0; i < _layers.Length; i++)
        {
            using var layerScope = NewDisposeScope();
            x = LayerForward(i, x, mask, texts, longest, training).MoveToOuterDisposeScope();
        }

        return padded.Gather(x, h);
    }

    private Tensor LayerForward(int i, Tensor x, Tensor mask, int texts, int longest, bool training)
    {
        var w = _layers[i];
        int heads = _config.NumHeads, d = _config.HeadDim, h = _config.HiddenSize;
        Tensor Project(LoraTarget target, Tensor input, Tensor weight, Tensor bias) => Lora.Project(i, target, input, weight, bias, training);
        Tensor Heads(Tensor t) => t.view(texts, longest, heads, d).transpose(1, 2);

        var q = Heads(Project(LoraTarget.Q, x, w.Q, w.QBias));
        var k = Heads(Project(LoraTarget.K, x, w.K, w.KBias));
        var v = Heads(Project(LoraTarget.V, x, w.V, w.VBias));
        var attention = nn.functional.scaled_dot_product_attention(q, k, v, mask, 0, false).transpose(1, 2).reshape(texts, longest, h);
        var h1 = LayerNorm(TorchScalars.Plus(x, Project(LoraTarget.O, attention, w.O, w.OBias)), w.AttentionNorm, w.AttentionNormBias);
        var mlp = Project(LoraTarget.Down, nn.functional.gelu(Project(LoraTarget.Up, h1, w.Up, w.UpBias)), w.Down, w.DownBias);
        return LayerNorm(TorchScalars.Plus(h1, mlp), w.OutputNorm, w.OutputNormBias);
    }

    /// <summary>LayerNorm over the last axis in float32, cast back to the compute dtype.</summary>
    private Tensor LayerNorm(Tensor x, Tensor weight, Tensor bias) =>
        nn.functional.layer_norm(x.to(ScalarType.Float32), [_config.HiddenSize], weight.to(ScalarType.Float32), bias.to(ScalarType.Float32), _config.LayerNormEps).to(_dtype);

    public void Dispose()
    {
        Lora.Dispose();
        foreach (var t in new[] { _word, _position, _tokenType, _norm, _normBias }) t.Dispose();
        foreach (var layer in _layers) layer.Dispose();
    }

    private sealed record Layer(Tensor Q, Tensor QBias, Tensor K, Tensor KBias, Tensor V, Tensor VBias, Tensor O, Tensor OBias,
        Tensor AttentionNorm, Tensor AttentionNormBias, Tensor Up, Tensor UpBias, Tensor Down, Tensor DownBias, Tensor OutputNorm, Tensor OutputNormBias) : IDisposable
    {
        public void Dispose()
        {
            foreach (var t in new[] { Q, QBias, K, KBias, V, VBias, O, OBias, AttentionNorm, AttentionNormBias, Up, UpBias, Down, DownBias, OutputNorm, OutputNormBias }) t.Dispose();
        }
    }
}
