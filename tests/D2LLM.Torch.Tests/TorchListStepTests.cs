using D2LLM.CrossEncoder;
using D2LLM.Losses.Listwise;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Torch.Heads;
using static D2LLM.Torch.Tests.DeviceTolerance;

namespace D2LLM.Torch.Tests;

/// <summary>
/// The cross-encoder's head and each listwise loss on torch (TorchSharp-cpu, float32, autograd) against the CPU engine's
/// analytic forms, on the same summary states and targets (with ties): the loss within 1e-5, the head's gradients and
/// the summary states' within 1e-4 (relative to the largest, when that is over 1).
/// </summary>
public sealed class TorchListStepTests
{
    [Theory]
    [InlineData(ListwiseLoss.RankNet)]
    [InlineData(ListwiseLoss.KlDivergence)]
    [InlineData(ListwiseLoss.ApproxNdcg)]
    [InlineData(ListwiseLoss.AdrMse)]
    [InlineData(ListwiseLoss.Lce)]
    public void Step_OnTorch_EqualsTheEngine(ListwiseLoss loss)
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = CrossEncoderModel.Create(Backbones.LoadDecoder(folder.Path), new CrossEncoderConfig { Backbone = folder.Path, Tuning = "lora" }, seed: 4);
        var rng = new Random((int)loss + 40);
        var shape = new ListBatch(3, 5);
        int h = model.Backbone.HiddenSize;
        var summary = Enumerable.Range(0, shape.Length * h).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 3)).ToArray();
        var targets = Enumerable.Range(0, shape.Length).Select(_ => (float)rng.Next(0, 4)).ToArray(); // grades 0–3: ties

        var (engineLoss, engineSummary) = new HostListStep(model, loss).Run(summary, targets, shape);
        var engineHead = new[] { model.HeadWeight.Grad.ToArray(), model.HeadBias.Grad.ToArray() };
        model.HeadWeight.ZeroGrad();
        model.HeadBias.ZeroGrad();
        var step = new TorchListStep(model, loss, new TorchOptions { Device = "cpu" });
        var (deviceLoss, deviceSummary) = step.Run(summary, targets, shape);

        Assert.NotEqual(0, engineLoss);
        Assert.True(Math.Abs(engineLoss - deviceLoss) <= 1e-5 * Math.Max(1, Math.Abs(engineLoss)), $"{loss}: {engineLoss} vs {deviceLoss}");
        AssertClose(engineHead[0], model.HeadWeight.Grad, "head weight");
        AssertClose(engineHead[1], model.HeadBias.Grad, "head bias");
        AssertClose(engineSummary, deviceSummary, "summary states");

        // Later steps (after an update the device must take) leave no tensor alive behind them.
        long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 2; i++)
        {
            model.HeadBias.Value[0] += 1e-3f;
            step.Run(summary, targets, shape);
        }

        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
