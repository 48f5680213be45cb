using D2LLM.Training;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch.Heads;

/// <summary>
/// The five D2LLM losses of D2LLM.Losses (in-batch contrastive, contrastive imitation, Pearson and BPR rank imitation,
/// feature imitation) as torch operations, each a scalar whose gradient autograd takes; the formulas are in those
/// classes' comments. Teacher-only factors (CI's weights, BPR's margins) are computed on the host.
/// </summary>
internal static class TorchStudentLosses
{
    /// <summary>The five losses, in <see cref="HeadsStepResult"/>'s order, of the step's logits [pairs] and features [pairs, hidden].</summary>
    public static Tensor[] Compute(Tensor logits, Tensor features, StepTargets targets, DistillationOptions o)
    {
        var shape = targets.Shape;
        int b = shape.B, k = shape.K, n = shape.Candidates;
        var device = logits.device;
        Tensor Host(float[] values, params long[] dims) => tensor(values, dims, device: device);
        Tensor Times(Tensor x, double s) => x.mul(TorchScalars.Of(s));
        var zin = logits.narrow(0, 0, b * b).view(b, b);
        var zh = logits.narrow(0, b * b, b * n).view(b, n);
        var sh = Host(targets.Candidates, b, n);

        var inBatch = Times(nn.functional.log_softmax(Times(zin, 1.0 / o.TauInBatch), 1).diagonal().sum(), -1.0 / (b * b));

        var weights = targets.Candidates.Select((p, i) => i % n == 0 ? p : 1 - p).ToArray();
        var weighted = Times(zh.mul(Host(weights, b, n)), 1.0 / o.TauHard);
        var contrastive = Times(nn.functional.log_softmax(weighted, 1).select(1, 0).sum(), -o.Alpha / ((double)b * k));

        var xc = zh.sub(zh.mean([1], keepdim: true));
        var yc = sh.sub(sh.mean([1], keepdim: true));
        Tensor Deviation(Tensor c) => Times(c.mul(c).sum(1), 1.0 / (n - 1)).sqrt();
        var rho = Times(xc.mul(yc).sum(1), 1.0 / (n - 1)).div(Deviation(xc).mul(Deviation(yc)).add(TorchScalars.Of(1e-8)));
        var pearson = Times(rho.neg().add(TorchScalars.One).sum(), o.Beta / b);

        var bpr = Bpr(zin, zh, targets, o, device);

        var f = features.narrow(0, b * b, b * n).view(b, n, -1);
        var g = f.div(f.norm(-1, true).clamp_min(TorchScalars.Of(1e-12)));
        var gap = Host(targets.TeacherCosines, b, n, n).sub(g.bmm(g.transpose(1, 2)));
        var feature = Times(gap.mul(gap).sum(), o.Eta / ((double)n * n));
        return [inBatch, contrastive, pearson, bpr, feature];
    }

    /// <summary>BPR rank imitation over (query i, hard negative k, in-batch negative m ≠ i), weights w = max(0, Sh − Sin)/λ from the teacher.</summary>
    private static Tensor Bpr(Tensor zin, Tensor zh, StepTargets targets, DistillationOptions o, Device device)
    {
        var shape = targets.Shape;
        int b = shape.B, k = shape.K, n = shape.Candidates;
        if (b < 2 || k < 1) return zeros(1, device: device).sum();
        var w = new float[b * k * b];
        for (int i = 0; i < b; i++)
            for (int c = 1; c < n; c++)
                for (int m = 0; m < b; m++)
                    w[(i * k + c - 1) * b + m] = m == i ? 0 : Math.Max(0, targets.Candidates[i * n + c] - targets.InBatch[i * b + m]) / o.Lambda;
        var margin = zh.narrow(1, 1, k).unsqueeze(2).sub(zin.unsqueeze(1));
        var nll = margin.sigmoid().add(TorchScalars.Of(1e-8)).log().neg();
        return nll.mul(tensor(w, [b, k, b], device: device)).sum().mul(TorchScalars.Of(o.Gamma / ((double)b * k * (b - 1))));
    }
}
