using D2LLM.Models.Qwen;

namespace D2LLM.Retrieval;

/// <summary>
/// A plain decoder as an encoder: its final-normed hidden states pooled (last token or mean), as `embed` does. With
/// <see cref="EndToken"/> set, that token is appended to every text (Qwen3-Embedding appends &lt;|endoftext|&gt; and
/// pools its state with last pooling).
/// </summary>
public sealed class PooledEncoder : IDenseEncoder
{
    public PooledEncoder(QwenModel model, PoolingMode pooling, int maxTokens = 512, int? endToken = null)
    {
        Model = model;
        Pooling = pooling;
        MaxTokens = maxTokens;
        EndToken = endToken;
    }

    public int? EndToken { get; }

    public QwenModel Model { get; }
    public PoolingMode Pooling { get; }
    public int MaxTokens { get; }
    public int Dimensions => Model.HiddenSize;

    public float[] Embed(IReadOnlyList<string> texts)
    {
        var batch = TokenBatch.Pack(texts.Select(t => EndToken is int end ? Model.EncodeUntrusted(t, MaxTokens - 1).Append(end).ToArray() : Model.EncodeUntrusted(t, MaxTokens)).ToList());
        return Model.Pool(Model.Forward(batch), batch, Pooling);
    }
}
