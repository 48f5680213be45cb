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
        : this(batch.Starts)
    {
    }

    /// <summary>Texts packed end to end, text b = tokens [starts[b], starts[b+1]).</summary>
    public PaddedBatch(IReadOnlyList<int> starts)
    {
        Texts = starts.Count - 1;
        Longest = Enumerable.Range(0, Texts).Max(b => starts[b + 1] - starts[b]);
        Rows = new long[starts[^1]];
        for (int b = 0; b < Texts; b++)
            for (int t = starts[b]; t < starts[b + 1]; t++) Rows[t] = b * Longest + t - starts[b];
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

    /// <summary>[texts · longest]: the packed token at each padded place (token 0 in the padding, which a mask then hides).</summary>
    public long[] Sources()
    {
        var sources = new long[Texts * Longest];
        for (int token = 0; token < Rows.Length; token++) sources[Rows[token]] = token;
        return sources;
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
