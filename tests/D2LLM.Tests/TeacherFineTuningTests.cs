using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Teacher;

namespace D2LLM.Tests;

public class TeacherFineTuningTests
{
    private static readonly TeacherPrompt Prompt = TeacherPrompt.Named("d2llm-en-asym");

    [Theory]
    [InlineData(TeacherTuningMode.Lora)]
    [InlineData(TeacherTuningMode.Full)]
    public void YesNoLoss_GradientMatchesFiniteDifferences(TeacherTuningMode mode)
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = Backbones.LoadDecoder(folder.Path);
        var teacher = new TeacherModel(model, Prompt, temperature: 0.7f);
        var tuner = new TeacherFineTuner(teacher, new TeacherTuningOptions { Mode = mode, LoraRank = 2, LoraDropout = 0 });
        var rng = new Random(4);
        if (mode == TeacherTuningMode.Lora)
            foreach (var b in model.LoraParameters().Where(p => p.Name.EndsWith(".lora_B.weight", StringComparison.Ordinal)))
                for (int i = 0; i < b.Length; i++) b.Value[i] = (float)(rng.NextDouble() - 0.5) * 0.5f;
        var batch = new[] { new TextPair("what is a cat", "a small animal", 1), new TextPair("tallest mountain", "rice is a grain", 0), new TextPair("猫", "一种动物", 1) };
        tuner.LossAndGradient(batch);
        double diff = 0, norm = 0;
        foreach (var p in tuner.Parameters.Where(p => p.Name.Contains("layers.0.", StringComparison.Ordinal) || p.Name == "model.norm.weight"))
        {
            for (int n = 0; n < 2; n++)
            {
                int i = rng.Next(p.Length);
                float keep = p.Value[i];
                const float h = 1e-2f;
                p.Value[i] = keep + h;
                double up = tuner.Loss(batch);
                p.Value[i] = keep - h;
                double down = tuner.Loss(batch);
                p.Value[i] = keep;
                double numeric = (up - down) / (2 * h);
                diff += (p.Grad[i] - numeric) * (p.Grad[i] - numeric);
                norm += numeric * numeric;
            }
        }

        Assert.True(norm > 0);
        Assert.True(Math.Sqrt(diff / norm) < 2e-3, $"relative error {Math.Sqrt(diff / norm):E3}");
    }

    [Theory]
    [InlineData(TeacherTuningMode.Full, 3e-3f)]
    [InlineData(TeacherTuningMode.Lora, 3e-2f)]
    public void FineTuning_GrowsAJudgeFromARandomModel_AndTheExportedFolderScoresTheSame(TeacherTuningMode mode, float learningRate)
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var model = Backbones.LoadDecoder(folder.Path);
        var teacher = new TeacherModel(model, Prompt);
        // The rule to learn: a passage is relevant when it says "relevant".
        var words = new[] { "river", "stone", "cloud", "paper", "garden", "engine", "music", "winter", "bridge", "candle", "forest", "silver" };
        List<TextPair> Pairs(int offset) => words.SelectMany((w, i) => new[]
        {
            new TextPair($"about the {w}", $"relevant: a note on {words[(i + offset) % words.Length]}", 1),
            new TextPair($"about the {w}", $"unrelated: a note on {words[(i + offset + 5) % words.Length]}", 0),
        }).ToList();
        var train = Pairs(1);
        var heldOut = Pairs(3);
        double Accuracy(List<TextPair> pairs) => pairs.Zip(teacher.Score(pairs.Select(p => teacher.Encode(p.Text1, p.Text2)).ToList()))
            .Average(x => (x.Second.Probability >= 0.5) == (x.First.Label > 0) ? 1.0 : 0.0);
        double before = Accuracy(heldOut);

        var tuner = new TeacherFineTuner(teacher, new TeacherTuningOptions { Mode = mode, LearningRate = learningRate, BatchSize = 8, Epochs = 15, LoraRank = 4 });
        var losses = tuner.Train(train);
        Assert.Equal(15 * 3, losses.Count);
        Assert.True(losses.TakeLast(3).Average() < 0.2 * losses.Take(3).Average(), $"loss {losses.Take(3).Average():F3} → {losses.TakeLast(3).Average():F3}");
        Assert.Equal(1.0, Accuracy(heldOut));
        Assert.True(before < 0.75, $"the untrained model already scores {before:F2}");

        using var output = new TempDirectory();
        model.Save(output.Path);
        Assert.True(File.Exists(Path.Combine(output.Path, "tokenizer.json")));
        using var reloaded = Backbones.LoadDecoder(output.Path);
        var again = new TeacherModel(reloaded, Prompt);
        var prompts = heldOut.Select(p => teacher.Encode(p.Text1, p.Text2)).ToList();
        var expected = teacher.Score(prompts);
        var actual = again.Score(prompts);
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(expected[i].YesLogit - expected[i].NoLogit, actual[i].YesLogit - actual[i].NoLogit, 3);
    }

    [Fact]
    public void FineTuning_InterruptedAndResumedFromItsCheckpoint_EndsBitIdenticalToAnUninterruptedRun()
    {
        var pairs = Enumerable.Range(0, 24).Select(i => new TextPair($"query {i}", i % 2 == 0 ? $"yes {i}" : $"no {i}", i % 2)).ToList();
        var options = new TeacherTuningOptions { Mode = TeacherTuningMode.Lora, LoraRank = 2, BatchSize = 4, Epochs = 2, LearningRate = 1e-2f, CheckpointEvery = 1 };
        float[] Run(Action<TeacherFineTuner, string> train)
        {
            using var folder = new FixtureModel("tiny-qwen3-a");
            using var model = Backbones.LoadDecoder(folder.Path);
            using var dir = new TempDirectory();
            train(new TeacherFineTuner(new TeacherModel(model, Prompt), options), dir.File("state.safetensors"));
            return model.LoraParameters().SelectMany(p => p.Value).ToArray();
        }

        var straight = Run((tuner, _) => tuner.Train(pairs));
        var resumed = Run((tuner, state) =>
        {
            using var stop = new CancellationTokenSource();
            Assert.Throws<OperationCanceledException>(() => tuner.Train(pairs, (step, _, _) => { if (step == 7) stop.Cancel(); }, state, stop.Token));
            using var folder = new FixtureModel("tiny-qwen3-a");
            using var fresh = Backbones.LoadDecoder(folder.Path);
            var again = new TeacherFineTuner(new TeacherModel(fresh, Prompt), options);
            Assert.Equal(12 - 7, again.Train(pairs, checkpointPath: state).Count);
            Assert.Equal(12, again.CompletedSteps);
            // Hand the resumed parameters back through the first model's adapters for the comparison.
            foreach (var (mine, theirs) in tuner.Parameters.Zip(again.Parameters)) theirs.Value.CopyTo(mine.Value, 0);
        });
        Assert.Equal(straight, resumed);
    }
}
