using D2LLM.Models;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// A packed batch laid out as [texts, longest], padded on the right, as torch's batched products take it: per-token
/// values scattered to their padded places, and each packed token's padded row to gather results back.
/// </summary>
internal sealed class PaddedBatch
{
    public PaddedBatch(TokenBatch batch)
    {
        Texts = batch.Count;
        Longest = Enumerable.Range(0, Texts).Max(batch.Length);
        Rows = new long[batch.Tokens];
        for (int b = 0; b < Texts; b++)
            for (int t = 0; t < batch.Length(b); t++) Rows[batch.Starts[b] + t] = b * Longest + t;
    }

    public int Texts { get; }
    public int Longest { get; }

    /// <summary>The padded row (b · longest + t) of each packed token.</summary>
    public long[] Rows { get; }

    /// <summary>[texts · longest]: each token's value at its padded place, 0 in the padding.</summary>
    public long[] Pad(IReadOnlyList<int> perToken)
    {
        var padded = new long[Texts * Longest];
        for (int token = 0; token < Rows.Length; token++) padded[Rows[token]] = perToken[token];
        return padded;
    }

    /// <summary>[texts · longest]: true at a text's own tokens, false in the padding.</summary>
    public bool[] Valid()
    {
        var valid = new bool[Texts * Longest];
        foreach (long row in Rows) valid[row] = true;
        return valid;
    }

    /// <summary>The packed tokens' rows [tokens, width] of padded results [texts, longest, width].</summary>
    public Tensor Gather(Tensor padded, int width) => padded.view(Texts * Longest, width).index_select(0, tensor(Rows, device: padded.device));
}
