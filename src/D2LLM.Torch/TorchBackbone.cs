using D2LLM.Models;
using D2LLM.Models.Bert;
using D2LLM.Tensors;
using D2LLM.Tensors.Optim;
using TorchSharp;
using Tensor = D2LLM.Tensors.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// A backbone whose passes run on torch (a GPU, or libtorch on the CPU) behind the same <see cref="IBackbone"/> the
/// student, cross-encoder, teacher and pipelines take: a Qwen decoder (<see cref="TorchDecoder"/>) or a BERT-family
/// encoder. The host model keeps what is not compute: tokenizer, configuration, digest, export, and the LoRA parameters
/// the optimizer updates; the device holds the weights and a mirror of the adapters, uploaded before each training
/// pass, their gradients added back after each backward. Hidden states cross to the host as float32, where the heads
/// (small) and the pooling run on the CPU engine.
/// Full fine-tuning keeps the optimizer on the host too: every trainable weight crosses to the device after each step.
/// </summary>
public class TorchBackbone : IBackbone
{
    private readonly IBackbone _host;
    private readonly ITorchNetwork _device;
    private readonly Func<IReadOnlyDictionary<(int Layer, LoraTarget Target), LoraAdapter>> _hostLora;
    private readonly TorchParameterSet _trainable = new();

    private protected TorchBackbone(IBackbone host, ITorchNetwork device, Func<IReadOnlyDictionary<(int Layer, LoraTarget Target), LoraAdapter>> hostLora)
    {
        _host = host;
        _device = device;
        _hostLora = hostLora;
    }

    /// <summary>A loaded encoder's passes moved to the device; the backbone owns (disposes) the model.</summary>
    public static TorchBackbone From(BertModel host, TorchOptions? options = null) =>
        new(host, new TorchBertEncoder(host, options ?? new TorchOptions()), () => host.Lora);

    /// <summary>
    /// Opens a model folder — a Qwen decoder (then a <see cref="TorchDecoder"/>) or a BERT-family encoder — on the device
    /// <paramref name="options"/> names (the first layers only, or random weights, as <paramref name="load"/> says).
    /// </summary>
    public static TorchBackbone Load(string directory, TorchOptions? options = null, ModelLoadOptions? load = null)
    {
        if (!Backbones.IsEncoder(directory)) return TorchDecoder.Load(directory, options, load);
        var host = BertModel.Load(directory, load);
        return Owning(host, () => From(host, options));
    }

    /// <summary>The backbone <paramref name="make"/> builds over <paramref name="host"/>; the host is disposed if it fails.</summary>
    private protected static T Owning<T>(IBackbone host, Func<T> make)
    {
        try
        {
            return make();
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public torch.Device Device => _device.Device;
    public string? Directory => _host.Directory;
    public int HiddenSize => _host.HiddenSize;
    public int LayerCount => _host.LayerCount;
    public int ConfiguredLayers => _host.ConfiguredLayers;
    public int MaxPositions => _host.MaxPositions;
    public IKernels Kernels => _host.Kernels;
    public bool IsCausal => _host.IsCausal;
    public IReadOnlySet<int> SpecialTokenIds => _host.SpecialTokenIds;
    public bool HasLora => _host.HasLora;
    public long ParameterCount => _host.ParameterCount;
    public long WeightBytes => _host.WeightBytes;

    public int[] Encode(string text, bool allowSpecialTokens = true) => _host.Encode(text, allowSpecialTokens);
    public int[] EncodeUntrusted(string text, int maxTokens) => _host.EncodeUntrusted(text, maxTokens);
    public int[] Truncate(int[] ids, int maxTokens) => _host.Truncate(ids, maxTokens);
    public int[] EncodePair(int[] query, int[] passage, string separator) => _host.EncodePair(query, passage, separator);

    /// <summary>Hidden states on the host; a training pass keeps the device graph for <see cref="Backward"/>.</summary>
    public Tensor Forward(TokenBatch batch, BackbonePass? pass = null)
    {
        // Values the host changed since the last pass (an optimizer step, a loaded student).
        _device.Lora.Upload();
        _trainable.Upload();
        if (pass is null) return Tensor.Wrap(_device.Forward(batch), batch.Tokens, HiddenSize);
        var hidden = _device.ForwardTraining(batch);
        pass.Activations = hidden;
        using var states = hidden.detach();
        return Tensor.Wrap(TorchMirror.ToHost(states), batch.Tokens, HiddenSize);
    }

    public void Backward(BackbonePass pass, Tensor dOutput)
    {
        if (pass.Activations is not torch.Tensor hidden)
            throw new InvalidOperationException("Backward needs the pass of a training Forward of this model");
        using (hidden)
        using (var onHost = torch.tensor(dOutput.Span.ToArray(), [pass.Batch.Tokens, HiddenSize]))
        using (var grad = onHost.to(hidden.dtype, hidden.device))
            hidden.backward([grad]);
        pass.Activations = null;
        _device.Lora.AddGradients();
        _trainable.AddGradients();
    }

    public void AddLora(LoraOptions options, int seed)
    {
        _host.AddLora(options, seed);
        _device.Lora.Mirror(_hostLora());
    }

    public IEnumerable<Parameter> LoraParameters() => _host.LoraParameters();

    /// <summary>
    /// Full fine-tuning: the host model's float32 parameters (what the optimizer updates, what Save writes), their device
    /// weights made trainable leaves (see <see cref="TorchParameterSet"/>).
    /// </summary>
    public IReadOnlyList<Parameter> MakeTrainable(bool includeEmbedding = false)
    {
        var parameters = _host.MakeTrainable(includeEmbedding);
        _trainable.Mirror(parameters, _device.Weights);
        return parameters;
    }

    public IEnumerable<Parameter> TrainableParameters() => _host.TrainableParameters();
    public float[] Pool(Tensor hidden, TokenBatch batch, PoolingMode mode) => _host.Pool(hidden, batch, mode);
    public float[] Embed(TokenBatch batch, PoolingMode mode) => Pool(Forward(batch), batch, mode);

    /// <summary>The CPU engine's float32 estimate, which bounds the device's activations (autograd keeps about as much; bf16 half).</summary>
    public long TrainingBytesPerToken(int maxTokens) => _host.TrainingBytesPerToken(maxTokens);

    public string WeightsDigest() => _host.WeightsDigest();

    /// <summary>A Hugging Face folder with the LoRA merged, written by the host model from the host parameters.</summary>
    public void Save(string directory) => _host.Save(directory);

    public void Dispose()
    {
        _device.Dispose();
        _host.Dispose();
        GC.SuppressFinalize(this);
    }
}
