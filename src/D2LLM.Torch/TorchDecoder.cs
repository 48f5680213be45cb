using D2LLM.Models;
using D2LLM.Models.Qwen;
using D2LLM.Models.Tokenization;
using Tensor = D2LLM.Tensors.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// A Qwen decoder on torch (<see cref="TorchQwenDecoder"/>) as an <see cref="IDecoder"/>: a teacher or generator whose
/// layers run on the device. The output head stays on the host (a teacher reads two logits per text, generation a row
/// of the vocabulary per token); a key/value cache holds host copies in the engine's layout, so either backend continues it.
/// </summary>
public sealed class TorchDecoder : TorchBackbone, IDecoder
{
    private readonly QwenModel _host;
    private readonly TorchQwenDecoder _device;

    private TorchDecoder(QwenModel host, TorchQwenDecoder device)
        : base(host, device, () => host.Lora)
    {
        _host = host;
        _device = device;
    }

    /// <summary>A loaded model's passes moved to the device; the decoder owns (disposes) the model.</summary>
    public static TorchDecoder From(QwenModel host, TorchOptions? options = null) => new(host, new TorchQwenDecoder(host, options ?? new TorchOptions()));

    /// <summary>Opens a Qwen folder on the device <paramref name="options"/> names (the first layers only, or random weights, as <paramref name="load"/> says).</summary>
    public static new TorchDecoder Load(string directory, TorchOptions? options = null, ModelLoadOptions? load = null)
    {
        var host = QwenModel.Load(directory, load);
        return Owning(host, () => From(host, options));
    }

    public ByteLevelBpeTokenizer? Tokenizer => _host.Tokenizer;
    public IReadOnlyList<int> EosTokenIds => _host.EosTokenIds;
    public int VocabSize => _host.VocabSize;

    /// <summary>New tokens continuing the cached sequences (see <see cref="TorchQwenDecoder.Forward(TokenBatch, KvCache)"/>).</summary>
    public Tensor Forward(TokenBatch batch, KvCache cache) => Tensor.Wrap(_device.Forward(batch, cache), batch.Tokens, HiddenSize);

    public void Logits(Tensor states, Tensor logits) => _host.Logits(states, logits);
    public float[] LastLogits(Tensor hidden, TokenBatch batch, IReadOnlyList<int> tokenIds) => _host.LastLogits(hidden, batch, tokenIds);
    public void OutputRow(int tokenId, Span<float> row) => _host.OutputRow(tokenId, row);
}
