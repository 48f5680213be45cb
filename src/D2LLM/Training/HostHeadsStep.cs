using D2LLM.Losses;
using D2LLM.Student;
using D2LLM.Tensors;

namespace D2LLM.Training;

/// <summary>
/// The heads' half of a step on the CPU engine: PMA and IEM forward with their caches, the losses with their
/// analytic gradients, then IEM and PMA backward.
/// </summary>
public sealed class HostHeadsStep(StudentHeads heads, DistillationOptions options) : IHeadsStep
{
    public HeadsStepResult Run(EncodedTexts queries, EncodedTexts passages, StepTargets targets)
    {
        var shape = targets.Shape;
        int b = shape.B, n = shape.Candidates, h = heads.Iem.Hidden, pairs = targets.Queries.Length;
        var queryCache = new PmaCache();
        var passageCache = new PmaCache();
        var u = heads.Pma.Forward(queries.States, queries.Starts, null, queryCache);
        var v = heads.Pma.Forward(passages.States, passages.Starts, null, passageCache);
        var iemCache = new IemCache();
        var logits = heads.Iem.Forward(u, v, targets.Queries, targets.Passages, options.Task, iemCache);
        var zin = logits.AsSpan(0, b * b).ToArray();
        var zh = logits.AsSpan(b * b, b * n).ToArray();
        var features = heads.Iem.Features(iemCache).Data.AsSpan(b * b * h, b * n * h).ToArray();

        var dZin = new float[b * b];
        var dZh = new float[b * n];
        var dF = new float[b * n * h];
        double ib = InBatchContrastive.Compute(zin, b, options.TauInBatch, dZin);
        double ci = ContrastiveImitation.Compute(zh, targets.Candidates, shape, options.TauHard, options.Alpha, dZh);
        double rp = PearsonRankImitation.Compute(zh, targets.Candidates, shape, options.Beta, dZh);
        double rb = BprRankImitation.Compute(zh, zin, targets.Candidates, targets.InBatch, shape, options.Gamma, options.Lambda, dZh, dZin);
        double fi = FeatureImitation.Compute(features, targets.TeacherCosines, shape, h, options.Eta, dF);

        var dFeatures = new float[pairs * h];
        dF.CopyTo(dFeatures, b * b * h);
        var (du, dv) = heads.Iem.Backward(dZin.Concat(dZh).ToArray(), Tensor.Wrap(dFeatures, pairs, h), iemCache);
        return new HeadsStepResult(ib, ci, rp, rb, fi, heads.Pma.Backward(du, queryCache), heads.Pma.Backward(dv, passageCache));
    }
}
