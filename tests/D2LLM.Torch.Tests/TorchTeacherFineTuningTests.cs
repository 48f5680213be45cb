using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Teacher;

namespace D2LLM.Torch.Tests;

/// <summary>
/// The teacher's own fine-tuning (<c>finetune-teacher --device</c>) with the decoder on torch gives what the CPU engine
/// gives: the yes/no loss and every trainable parameter's gradient on one batch, then the losses of four optimizer steps
/// and the tuned teacher's scores. LoRA dropout is off, the one draw the two backends would make differently.
/// </summary>
public sealed class TorchTeacherFineTuningTests
{
    private static readonly TeacherPrompt Prompt = TeacherPrompt.Named("d2llm-en-asym");

    private static readonly TextPair[] Pairs =
    [
        new("what is a cat", "a small animal", 1), new("tallest mountain", "rice is a grain", 0), new("猫", "一种动物", 1),
        new("river stone", "the river stone is relevant", 1), new("winter garden", "paper engine music", 0), new("bridge", "a bridge crosses water", 1),
    ];

    [Theory]
    [InlineData(TeacherTuningMode.Lora, 3e-2f)]
    [InlineData(TeacherTuningMode.Full, 3e-3f)]
    public void FineTuning_OnTorch_EqualsTheEngine(TeacherTuningMode mode, float learningRate)
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var engineModel = Backbones.LoadDecoder(folder.Path);
        using var deviceModel = TorchDecoder.Load(folder.Path, new TorchOptions { Device = "cpu" });
        var options = new TeacherTuningOptions { Mode = mode, LearningRate = learningRate, BatchSize = 3, Epochs = 2, LoraRank = 2, LoraDropout = 0 };
        var engineTeacher = new TeacherModel(engineModel, Prompt);
        var deviceTeacher = new TeacherModel(deviceModel, Prompt);
        var engine = new TeacherFineTuner(engineTeacher, options);
        var device = new TeacherFineTuner(deviceTeacher, options);

        double engineLoss = engine.LossAndGradient(Pairs[..3]), deviceLoss = device.LossAndGradient(Pairs[..3]);
        Assert.True(Math.Abs(engineLoss - deviceLoss) <= 1e-5, $"loss {engineLoss} vs {deviceLoss}");
        Assert.Equal(engine.Parameters.Select(p => p.Name), device.Parameters.Select(p => p.Name));
        Assert.Contains(engine.Parameters, p => p.Grad.Any(g => g != 0));
        foreach (var (e, d) in engine.Parameters.Zip(device.Parameters).Where(x => x.First.Grad.Any(g => g != 0)))
            DeviceTolerance.AssertClose(e.Grad.ToArray(), d.Grad.ToArray(), e.Name);
        foreach (var p in engine.Parameters.Concat(device.Parameters)) p.ZeroGrad();

        var engineLosses = engine.Train(Pairs);
        var deviceLosses = device.Train(Pairs);
        Assert.Equal(4, deviceLosses.Count);
        for (int i = 0; i < engineLosses.Count; i++)
            Assert.True(Math.Abs(engineLosses[i] - deviceLosses[i]) <= 1e-4, $"step {i + 1}: loss {engineLosses[i]} vs {deviceLosses[i]}");
        static float[] Scores(TeacherModel teacher) => teacher.ScorePairs(Pairs).Select(x => (float)x).ToArray();
        DeviceTolerance.AssertClose(Scores(engineTeacher), Scores(deviceTeacher), "tuned teacher's P(yes)");
        Assert.NotEqual(engineLosses[0], engineLosses[^1]); // the steps changed the teacher
    }
}
