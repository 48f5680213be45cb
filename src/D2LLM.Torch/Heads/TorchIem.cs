using D2LLM.Student;
using D2LLM.Tensors.Optim;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch.Heads;

/// <summary><see cref="Iem"/> on torch tensors, reading the parameters from their device leaves.</summary>
internal sealed class TorchIem(Iem iem, Func<Parameter, Tensor> leaf)
{
    /// <summary>Logits [pairs] of (query <paramref name="q"/>[p], passage <paramref name="d"/>[p]) and the branch features f [pairs, hidden].</summary>
    public (Tensor Logits, Tensor Features) Forward(Tensor u, Tensor v, int[] q, int[] d, IemTask task)
    {
        int t = (int)task;
        var pu = nn.functional.linear(u, leaf(iem.W1u), null);
        var pv = nn.functional.linear(v, leaf(iem.W1v), leaf(iem.C1));
        Tensor Rows(Tensor x, int[] rows) => x.index_select(0, tensor(rows.Select(r => (long)r).ToArray(), device: x.device));
        var g = nn.functional.relu(TorchScalars.Plus(Rows(pu, q), Rows(pv, d)));
        var f = nn.functional.relu(nn.functional.linear(g, leaf(iem.Branch[t]), leaf(iem.BranchBias[t])));
        return (nn.functional.linear(f, leaf(iem.W2), leaf(iem.C2)).view(-1), f);
    }
}
