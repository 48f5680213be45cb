using D2LLM.Models.Qwen;

namespace D2LLM.Retrieval;

/// <summary>A plain decoder as an encoder: its final-normed hidden states pooled (last token or mean), as `embed` does.</summary>
public sealed class PooledEncoder : IDenseEncoder
{
    public PooledEncoder(QwenModel model, PoolingMode pooling, int maxTokens = 512)
    {
        Model = model;
        Pooling = pooling;
        MaxTokens = maxTokens;
    }

    public QwenModel Model { get; }
    public PoolingMode Pooling { get; }
    public int MaxTokens { get; }
    public int Dimensions => Model.HiddenSize;

    public float[] Embed(IReadOnlyList<string> texts)
    {
        var batch = TokenBatch.Pack(texts.Select(t => Model.EncodeUntrusted(t, MaxTokens)).ToList());
        return Model.Pool(Model.Forward(batch), batch, Pooling);
    }
}
