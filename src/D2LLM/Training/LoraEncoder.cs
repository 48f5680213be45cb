using D2LLM.Models.Qwen;
using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Training;

/// <summary>
/// The backbone as a trainable encoder: LoRA adapters on its projections (base weights frozen), run forward and
/// backward every step — the D2LLM paper's setting. Texts are tokenised once and truncated to a token limit.
/// </summary>
public sealed class LoraEncoder : ITokenEncoder
{
    private readonly Dictionary<string, int[]> _ids = new(StringComparer.Ordinal);
    private readonly Random _dropout;

    public LoraEncoder(QwenModel backbone, LoraOptions lora, int maxTokens, int seed)
    {
        Backbone = backbone;
        MaxTokens = maxTokens;
        if (backbone.Lora.Count == 0) backbone.AddLora(lora, seed);
        _dropout = new Random(seed + 1);
    }

    public QwenModel Backbone { get; }
    public int MaxTokens { get; }
    public int Dim => Backbone.HiddenSize;
    public IEnumerable<Parameter> Parameters => Backbone.LoraParameters();

    public EncodedTexts Encode(IReadOnlyList<string> texts, bool training)
    {
        var batch = TokenBatch.Pack(texts.Select(Ids).ToList());
        var pass = training ? new DecoderPass(batch, _dropout) : null;
        return new EncodedTexts(Backbone.Forward(batch, pass), batch.Starts, pass);
    }

    public void Backward(EncodedTexts encoded, Tensor dStates) => Backbone.Backward((DecoderPass)encoded.Pass!, dStates);

    private int[] Ids(string text)
    {
        if (!_ids.TryGetValue(text, out var ids)) _ids[text] = ids = Backbone.EncodeUntrusted(text, MaxTokens);
        return ids;
    }
}
