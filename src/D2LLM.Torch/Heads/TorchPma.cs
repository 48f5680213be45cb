using D2LLM.Student;
using D2LLM.Tensors.Optim;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch.Heads;

/// <summary>
/// <see cref="Pma"/> on torch tensors (its formula, either variant), reading the parameters from their device leaves:
/// the texts' token states padded to [texts, longest, D], the seeds' queries attending over each text's own tokens.
/// </summary>
internal sealed class TorchPma(Pma pma, Func<Parameter, Tensor> leaf)
{
    /// <summary>Embeddings [texts, S·D] of packed token states x [tokens, D], texts split by <paramref name="starts"/>.</summary>
    public Tensor Forward(Tensor x, int[] starts)
    {
        var o = pma.Options;
        int d = o.Dim, heads = o.Heads, seeds = o.Seeds, dh = d / heads;
        var padded = new PaddedBatch(starts);
        int texts = padded.Texts, longest = padded.Longest;
        var seed = leaf(pma.Seed);
        var q = nn.functional.linear(seed, leaf(pma.Wq), leaf(pma.Bq));
        var tokens = x.index_select(0, tensor(padded.Sources(), device: x.device));
        Tensor Keys(Tensor w, Tensor b) => nn.functional.linear(tokens, w, b).view(texts, longest, heads, dh).transpose(1, 2);
        // scaled_dot_product_attention scales by 1/√dh: the query carries the rest of PMA's own scale.
        var queries = q.mul(TorchScalars.Of(pma.Scale * Math.Sqrt(dh))).view(1, seeds, heads, dh).transpose(1, 2).expand(texts, heads, seeds, dh);
        var mask = tensor(padded.Valid(), [texts, 1, 1, longest], device: x.device);
        var attention = nn.functional.scaled_dot_product_attention(queries, Keys(leaf(pma.Wk), leaf(pma.Bk)), Keys(leaf(pma.Wv), leaf(pma.Bv)), mask, 0, false)
            .transpose(1, 2).reshape(texts * seeds, d);
        var residual = (o.Variant == PmaVariant.Reference ? seed : q).repeat(texts, 1);
        var r = nn.functional.layer_norm(TorchScalars.Plus(residual, attention), [d], leaf(pma.Ln0W), leaf(pma.Ln0B), o.LayerNormEps);
        var y = TorchScalars.Plus(nn.functional.relu(nn.functional.linear(r, leaf(pma.Wo), leaf(pma.Bo))), r);
        return nn.functional.layer_norm(y, [d], leaf(pma.Ln1W), leaf(pma.Ln1B), o.LayerNormEps).view(texts, seeds * d);
    }
}
