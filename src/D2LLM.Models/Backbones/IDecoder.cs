using D2LLM.Models.Tokenization;
using D2LLM.Tensors;

namespace D2LLM.Models;

/// <summary>
/// A causal language model: a backbone with an output head over the vocabulary and a key/value cache, what a teacher
/// scores with and what text generation runs on.
/// </summary>
public interface IDecoder : IBackbone
{
    ByteLevelBpeTokenizer? Tokenizer { get; }

    /// <summary>The end-of-text ids the config declares.</summary>
    IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>Rows of the output head.</summary>
    int VocabSize { get; }

    /// <summary>
    /// Hidden states of new tokens that continue the sequences in <paramref name="cache"/> (pack the batch with the
    /// cache's lengths as position offsets); their keys and values are appended to the cache.
    /// </summary>
    Tensor Forward(TokenBatch batch, KvCache cache);

    /// <summary>Next-token logits [rows, vocabulary] of hidden states [rows, hidden].</summary>
    void Logits(Tensor states, Tensor logits);

    /// <summary>
    /// Next-token logits at each text's last position for the given token ids only: [texts, ids]. Only those rows
    /// of the output head are read, never the whole vocabulary.
    /// </summary>
    float[] LastLogits(Tensor hidden, TokenBatch batch, IReadOnlyList<int> tokenIds);

    /// <summary>The output head's row of a token (its logit is the dot product of a state with it).</summary>
    void OutputRow(int tokenId, Span<float> row);
}
