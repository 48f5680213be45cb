using D2LLM.Models;

namespace D2LLM.Retrieval;

/// <summary>
/// A plain backbone as an encoder: its final hidden states pooled (last token, mean, or an encoder's [CLS]), as `embed`
/// does. With <see cref="EndToken"/> set, that token is appended to every text (Qwen3-Embedding appends
/// &lt;|endoftext|&gt; and pools its state with last pooling); with <see cref="QueryPrompt"/>, queries carry that prefix
/// (arctic-embed's "Represent this sentence for searching relevant passages: ").
/// </summary>
public sealed class PooledEncoder : IDenseEncoder
{
    private readonly bool _ownsModel;

    /// <param name="model">the backbone whose final states are pooled</param>
    /// <param name="pooling">last token, mean, or first ([CLS])</param>
    /// <param name="maxTokens">the window: tokens beyond it are cut</param>
    /// <param name="endToken">a token appended to every text (Qwen3-Embedding's end of text), or none</param>
    /// <param name="ownsModel">dispose the model with the encoder</param>
    /// <param name="queryPrompt">the prefix of queries, or none</param>
    public PooledEncoder(IBackbone model, PoolingMode pooling, int maxTokens = 512, int? endToken = null, bool ownsModel = false, string? queryPrompt = null)
    {
        Model = model;
        Pooling = pooling;
        MaxTokens = Math.Min(maxTokens, model.MaxPositions);
        EndToken = endToken;
        QueryPrompt = queryPrompt;
        _ownsModel = ownsModel;
    }

    /// <summary>
    /// An encoder as the backbone's folder declares it (sentence-transformers pooling, window and query prompt), unless
    /// <paramref name="pooling"/> is given; mean pooling and a 512-token window where the folder says nothing.
    /// </summary>
    public static PooledEncoder ForFolder(IBackbone model, PoolingMode? pooling = null, bool ownsModel = true, int? endToken = null)
    {
        var declared = model.Directory is { } dir ? SentenceTransformersSettings.Load(dir) : new SentenceTransformersSettings(null, null, null);
        return new PooledEncoder(model, pooling ?? declared.Pooling ?? PoolingMode.Mean, declared.MaxTokens ?? 512, endToken, ownsModel, declared.QueryPrompt);
    }

    public int? EndToken { get; }
    public string? QueryPrompt { get; }
    public IBackbone Model { get; }
    public PoolingMode Pooling { get; }
    public int MaxTokens { get; }
    public int Dimensions => Model.HiddenSize;

    /// <summary>The text's ids, with the end token when one is set.</summary>
    public int[] Tokenize(string text)
    {
        var ids = Model.EncodeUntrusted(text, int.MaxValue);
        return EndToken is int end ? [.. ids, end] : ids;
    }

    /// <summary>Pooled states of tokenized texts; a text over the window keeps its first tokens (and its end token).</summary>
    public float[] EmbedTokens(IReadOnlyList<int[]> texts)
    {
        var batch = TokenBatch.Pack(texts.Select(ids => ids.Length <= MaxTokens ? ids
            : EndToken is int end ? [.. ids[..(MaxTokens - 1)], end] : Model.Truncate(ids, MaxTokens)).ToList());
        return Model.Embed(batch, Pooling);
    }

    public float[] Embed(IReadOnlyList<string> texts) => EmbedTokens(texts.Select(Tokenize).ToList());

    public float[] EmbedQueries(IReadOnlyList<string> queries) => QueryPrompt is null ? Embed(queries) : Embed(queries.Select(q => QueryPrompt + q).ToList());

    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }
}
