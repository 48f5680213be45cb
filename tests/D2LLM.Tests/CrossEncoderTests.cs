using D2LLM.CrossEncoder;
using D2LLM.Losses.Listwise;
using D2LLM.Models;
using D2LLM.Models.Tests;

namespace D2LLM.Tests;

public class CrossEncoderTests
{
    private static readonly string[] Passages = { "the river runs under the stone bridge", "a candle in the winter window", "engines and music" };

    private static CrossEncoderModel FullyTuned(FixtureModel folder) =>
        CrossEncoderModel.Create(Backbones.LoadDecoder(folder.Path), new CrossEncoderConfig { Backbone = folder.Path, Tuning = "full" }, seed: 3);

    [Fact]
    public void FullTuning_BackwardMatchesFiniteDifferences_InTheHeadALayerAndTheEmbedding()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = FullyTuned(folder);
        var parameters = model.Parameters.ToList();
        Assert.False(model.Backbone.HasLora);
        var embedding = Assert.Single(parameters, p => p.Name == "model.embed_tokens.weight");
        var up = Assert.Single(parameters, p => p.Name == "model.layers.1.mlp.up_proj.weight");
        var pairs = Passages.Select(p => model.EncodePair("river bridge", p)).ToList();
        var g = new[] { 0.7f, -1.3f, 0.4f };
        double Loss() => model.Forward(pairs).Select((s, i) => (double)s * g[i]).Sum();

        model.Backward(model.ForwardTraining(pairs), g);
        var rng = new Random(8);
        int h = model.Backbone.HiddenSize;
        var probes = new List<(D2LLM.Tensors.Optim.Parameter P, int I)>();
        for (int n = 0; n < 4; n++)
        {
            probes.Add((model.HeadWeight, rng.Next(h)));
            probes.Add((up, rng.Next(up.Length)));
            probes.Add((embedding, pairs[n % 3][rng.Next(pairs[n % 3].Length)] * h + rng.Next(h)));
        }

        double error = FiniteDifferences.RelativeError(probes, Loss);
        Assert.True(error <= 2e-3, $"relative error {error:E3}");
    }

    [Fact]
    public void FullTuning_LearnsAList_AndTheStudentFolderRoundTrips()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        float[] scores;
        using (var model = FullyTuned(folder))
        {
            var list = new CandidateList("river bridge", Passages, new[] { 3f, 1f, 2f });
            var losses = new CrossEncoderTrainer(model, new CrossEncoderTrainingOptions { Loss = ListwiseLoss.RankNet, ListsPerStep = 1, LearningRate = 1e-2f, WarmupSteps = 0, MaxSteps = 40 })
                .Train(new[] { list });
            Assert.True(losses[^1] < 0.5 * losses[0], $"loss {losses[0]:F4} → {losses[^1]:F4}");
            scores = model.Score(list.Query, Passages);
            Assert.True(scores[0] > scores[2] && scores[2] > scores[1], string.Join(", ", scores));
            model.Save(dir.Path);
        }

        Assert.True(File.Exists(dir.File(CrossEncoderConfig.BackboneFile)));
        Assert.False(File.Exists(dir.File(CrossEncoderConfig.LoraFile)));
        using (var loaded = CrossEncoderModel.Load(dir.Path))
        {
            Assert.Equal("full", loaded.Config.Tuning);
            Assert.Equal(scores, loaded.Score("river bridge", Passages));
        }

        string config = dir.File(CrossEncoderConfig.FileName);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"full\"", "\"half\""));
        Assert.Equal($"{config}: unknown tuning 'half' (lora, full)", Assert.Throws<InvalidDataException>(() => CrossEncoderModel.Load(dir.Path)).Message);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"half\"", "\"full\""));
        File.Delete(dir.File(CrossEncoderConfig.BackboneFile));
        Assert.Contains(CrossEncoderConfig.BackboneFile, Assert.ThrowsAny<IOException>(() => CrossEncoderModel.Load(dir.Path)).Message);
    }

    [Theory]
    [InlineData("lora")]
    [InlineData("full")]
    public void Training_KilledAndResumed_EndsWithTheParametersOfAnUninterruptedRun(string tuning)
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        var lists = Enumerable.Range(0, 6).Select(i => new CandidateList($"query {i} about the river", Passages, new[] { 1f + i % 3, 2f, 3f - i % 3 })).ToList();
        var options = new CrossEncoderTrainingOptions { ListsPerStep = 2, LearningRate = 1e-2f, WarmupSteps = 2, MaxSteps = 10, CheckpointInterval = TimeSpan.Zero };
        CrossEncoderModel Fresh() => CrossEncoderModel.Create(Backbones.LoadDecoder(folder.Path), new CrossEncoderConfig { Backbone = folder.Path, Tuning = tuning }, seed: 5);

        float[][] uninterrupted;
        using (var model = Fresh())
        {
            new CrossEncoderTrainer(model, options).Train(lists);
            uninterrupted = model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }

        string checkpoint = dir.File("state.safetensors");
        using (var killed = Fresh())
        {
            using var cancel = new CancellationTokenSource();
            Assert.Throws<OperationCanceledException>(() => new CrossEncoderTrainer(killed, options).Train(lists, checkpoint, (step, _) => { if (step == 6) cancel.Cancel(); }, cancellationToken: cancel.Token));
        }

        using var resumed = Fresh();
        var steps = new List<int>();
        new CrossEncoderTrainer(resumed, options).Train(lists, checkpoint, (step, _) => steps.Add(step));
        Assert.Equal(new[] { 7, 8, 9, 10 }, steps);
        Assert.Equal(uninterrupted, resumed.Parameters.Select(p => p.Value.ToArray()).ToArray());
    }

    [Theory]
    [InlineData(ValidationMeasure.Loss)]
    [InlineData(ValidationMeasure.Disagreement)]
    public void Validation_StopsEarly_AndLeavesTheParametersOfTheLowestValidationLoss(ValidationMeasure measure)
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = FullyTuned(folder);
        // Validation wants the opposite order of training: its loss rises as training succeeds.
        var train = new[] { new CandidateList("river bridge", Passages, new[] { 3f, 1f, 2f }) };
        var validation = new[] { new CandidateList("river bridge", Passages, new[] { 1f, 3f, 2f }) };
        var trainer = new CrossEncoderTrainer(model, new CrossEncoderTrainingOptions
        {
            Loss = ListwiseLoss.RankNet, ListsPerStep = 1, LearningRate = 1e-2f, WarmupSteps = 0, MaxSteps = 200, ValidateEvery = 2, Patience = 3,
            ValidateOn = measure,
        });
        var seen = new List<double>();
        var losses = trainer.Train(train, validation: validation, onValidation: (_, loss, best) =>
        {
            seen.Add(loss);
            Assert.Equal(seen.Min(), best);
        });
        Assert.True(losses.Count < 200, $"{losses.Count} steps: no early stop");
        Assert.Equal(seen.Count, losses.Count / 2);
        if (measure == ValidationMeasure.Loss) Assert.True(seen[^1] > seen.Min()); // (a rank measure can stall on a tie instead)
        Assert.Equal(seen.Min(), measure == ValidationMeasure.Loss ? trainer.Loss(validation) : trainer.Disagreement(validation), 6);
        var scores = model.Score("river bridge", Passages).Select(x => (double)x).ToList();
        Assert.Equal(1 - D2LLM.Evaluation.Correlation.Spearman(scores, new double[] { 1, 3, 2 }), trainer.Disagreement(validation), 12);
    }
}
