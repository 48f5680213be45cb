using D2LLM.Losses;
using D2LLM.Student;
using D2LLM.Tensors;
using D2LLM.Training;
using D2LLM.Torch.Heads;
using static D2LLM.Torch.Tests.DeviceTolerance;

namespace D2LLM.Torch.Tests;

/// <summary>
/// The heads' half of a D2LLM step on torch (TorchSharp-cpu, float32, autograd) against the CPU engine's analytic one,
/// on the same random token states and teacher targets: the five losses within 1e-5, every head parameter's gradient
/// and the token states' gradients within 1e-4 of the engine's (relative to the largest, when that is over 1).
/// </summary>
public sealed class TorchHeadsStepTests
{
    [Theory]
    [InlineData(PmaVariant.Standard, IemTask.Asymmetric)]
    [InlineData(PmaVariant.Reference, IemTask.Symmetric)]
    public void Step_OnTorch_EqualsTheEngine(PmaVariant variant, IemTask task)
    {
        var rng = new Random(31);
        int dim = 16, b = 3, k = 2, n = k + 1;
        float Draw(double scale) => (float)((rng.NextDouble() * 2 - 1) * scale);
        EncodedTexts Texts(int count)
        {
            var starts = new int[count + 1];
            for (int i = 0; i < count; i++) starts[i + 1] = starts[i] + rng.Next(1, 7);
            var states = Enumerable.Range(0, starts[^1] * dim).Select(_ => Draw(2)).ToArray();
            return new EncodedTexts(Tensor.Wrap(states, starts[^1], dim), starts, null);
        }

        var queries = Texts(b);
        var passages = Texts(b + b * k);
        var (pairQueries, pairPassages) = StepTargets.Pairs(b, k);
        var features = Enumerable.Range(0, b * n).Select(_ => Enumerable.Range(0, 6).Select(_ => Draw(1)).ToArray()).ToArray();
        var cosines = new float[b * n * n];
        for (int i = 0; i < b; i++)
            for (int c = 0; c < n; c++)
                for (int e = 0; e < n; e++)
                    cosines[i * n * n + c * n + e] = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(features[i * n + c], features[i * n + e]);
        var targets = new StepTargets(new BatchShape(b, k), pairQueries, pairPassages,
            Enumerable.Range(0, b * b).Select(_ => (float)rng.NextDouble()).ToArray(), Enumerable.Range(0, b * n).Select(_ => (float)rng.NextDouble()).ToArray(), cosines);
        var heads = new StudentHeads(new HeadsOptions(dim, PmaHeads: 4, IemHidden: 8, Variant: variant));
        var options = new DistillationOptions { Task = task };

        var engine = new HostHeadsStep(heads, options).Run(queries, passages, targets);
        var engineGradients = heads.Parameters.Select(p => p.Grad.ToArray()).ToList();
        foreach (var p in heads.Parameters) p.ZeroGrad();
        var step = new TorchHeadsStep(heads, options, new TorchOptions { Device = "cpu" });
        var device = step.Run(queries, passages, targets);

        double[] Losses(HeadsStepResult r) => [r.InBatch, r.Contrastive, r.Pearson, r.Bpr, r.Feature];
        foreach (var (expected, actual, name) in Losses(engine).Zip(Losses(device), ["in-batch", "contrastive", "pearson", "bpr", "feature"]))
            Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{name} loss: {expected} vs {actual}");
        Assert.All(Losses(engine), loss => Assert.NotEqual(0, loss));
        var otherBranch = new[] { heads.Iem.Branch[1 - (int)task], heads.Iem.BranchBias[1 - (int)task] };
        foreach (var (p, expected) in heads.Parameters.Zip(engineGradients))
        {
            if (otherBranch.Contains(p)) Assert.All(expected.Concat(p.Grad), g => Assert.Equal(0f, g)); // the other task's branch takes no part
            else AssertClose(expected, p.Grad, p.Name);
        }

        // Later steps (after an update the device must take) leave no tensor alive behind them.
        long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 2; i++)
        {
            heads.Parameters.First().Value[0] += 1e-3f;
            step.Run(queries, passages, targets);
        }

        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        AssertClose(engine.DQueryStates.Span.ToArray(), device.DQueryStates.Span.ToArray(), "query states");
        AssertClose(engine.DPassageStates.Span.ToArray(), device.DPassageStates.Span.ToArray(), "passage states");
    }
}
