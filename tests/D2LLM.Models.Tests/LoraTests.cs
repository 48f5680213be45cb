using D2LLM.Models.Qwen;

namespace D2LLM.Models.Tests;

public class LoraTests
{
    [Fact]
    public void ZeroB_LeavesOutputsBitIdentical()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var model = QwenModel.Load(folder.Path);
        var batch = TokenBatch.Pack(new[] { model.Encode("LoRA starts as the identity"), model.Encode("第二句") });
        var before = model.Forward(batch).Data.ToArray();
        model.AddLora(new LoraOptions { Rank = 4, Alpha = 8, Dropout = 0 }, seed: 1);
        Assert.Equal(before, model.Forward(batch).Data);
        Assert.Equal(before, model.Forward(batch, new BackbonePass(batch)).Data);
    }

    [Theory]
    [InlineData("tiny-qwen2-a")]
    [InlineData("tiny-qwen3-a")]
    public void Backward_MatchesFiniteDifferences(string name)
    {
        using var folder = new FixtureModel(name);
        using var model = QwenModel.Load(folder.Path);
        model.AddLora(new LoraOptions { Rank = 2, Alpha = 4, Dropout = 0 }, seed: 3);
        var rng = new Random(5);
        foreach (var adapter in model.Lora.Values)
            for (int i = 0; i < adapter.B.Length; i++) adapter.B.Value[i] = (float)(rng.NextDouble() - 0.5) * 0.5f;

        var checkedParams = model.Lora.Where(e => e.Key.Layer == 0 || e.Key.Layer == model.LayerCount - 1)
            .SelectMany(e => new[] { e.Value.A, e.Value.B }).ToList();
        double error = GradientError(model, checkedParams, rng, perParameter: 3);
        Assert.True(error <= 2e-3, $"relative error {error:E3}");
    }

    [Theory]
    [InlineData("tiny-qwen2-a")]
    [InlineData("tiny-qwen3-a")]
    public void FullFineTuning_BackwardMatchesFiniteDifferences_ForEveryKindOfTensor(string name)
    {
        using var folder = new FixtureModel(name);
        using var model = QwenModel.Load(folder.Path);
        var parameters = model.MakeTrainable();
        Assert.Equal(parameters.Select(p => p.Name), model.TrainableParameters().Select(p => p.Name));
        Assert.DoesNotContain(parameters, p => p.Name == "model.embed_tokens.weight");
        // Matrices, biases (Qwen2), q/k norms (Qwen3), layer norms and the final norm.
        var checkedParams = parameters.Where(p => p.Name.StartsWith("model.layers.0.", StringComparison.Ordinal) || p.Name == "model.norm.weight").ToList();
        Assert.Contains(checkedParams, p => p.Name.EndsWith(name.Contains("qwen2") ? "q_proj.bias" : "q_norm.weight", StringComparison.Ordinal));
        double error = GradientError(model, checkedParams, new Random(9), perParameter: 2);
        Assert.True(error <= 2e-3, $"relative error {error:E3}");
    }

    [Fact]
    public void FullFineTuning_WithTheEmbedding_BackwardMatchesFiniteDifferences_OnTheRowsOfTheBatch()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = QwenModel.Load(folder.Path);
        var parameters = model.MakeTrainable(includeEmbedding: true);
        var embedding = Assert.Single(parameters, p => p.Name == "model.embed_tokens.weight");
        Assert.False(embedding.WeightDecay);
        var ids = Batch(model).Ids;
        int h = model.HiddenSize;
        double error = GradientError(model, new[] { embedding }, new Random(4), perParameter: 12, pick: rng => ids[rng.Next(ids.Length)] * h + rng.Next(h));
        Assert.True(error <= 2e-3, $"relative error {error:E3}");
        Assert.Equal(0f, embedding.Grad[(ids.Max() + 1) * h]); // a token not in the batch gets no gradient
    }

    [Theory]
    [InlineData("tiny-qwen2-a", false)]
    [InlineData("tiny-qwen3-a", true)]
    public void Backward_OnPooledActivations_EqualsAFreshModelsExactly(string name, bool full)
    {
        using var folder = new FixtureModel(name);
        var runs = PooledPasses.Gradients(() => QwenModel.Load(folder.Path), m =>
            {
                if (full) return m.MakeTrainable();
                m.AddLora(new LoraOptions { Rank = 2, Alpha = 4, Dropout = 0.2f }, seed: 3);
                foreach (var b in m.LoraParameters().Where(p => p.Name.EndsWith("lora_B.weight", StringComparison.Ordinal))) Array.Fill(b.Value, 0.1f);
                return m.LoraParameters().ToList();
            },
            m => Batch((QwenModel)m), m => TokenBatch.Pack(new[] { m.EncodeUntrusted("a longer batch leaves its values in the pooled arena for the next pass to find", 64) }));
        Assert.All(runs, run => Assert.Equal(run.Fresh, run.Reused));
    }

    private static TokenBatch Batch(QwenModel model) => TokenBatch.Pack(new[] { model.Encode("gradients flow"), model.Encode("穿过整个解码器") });

    private static double GradientError(QwenModel model, IReadOnlyList<D2LLM.Tensors.Optim.Parameter> parameters, Random rng, int perParameter, Func<Random, int>? pick = null) =>
        FiniteDifferences.OfBackbone(model, Batch(model), parameters, rng, perParameter, pick);

    [Fact]
    public void Merge_FoldsTheAdapterIntoTheWeight()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = QwenModel.Load(folder.Path);
        model.AddLora(new LoraOptions { Rank = 2, Alpha = 2, Dropout = 0, Targets = new[] { LoraTarget.Up } }, seed: 2);
        var adapter = model.Lora[(0, LoraTarget.Up)];
        adapter.B.Value[0] = 0.5f;
        var baseWeight = model.Weights.Layers[0].Up;
        var merged = adapter.Merge(baseWeight);
        int cols = baseWeight.Columns;
        for (int c = 0; c < cols; c++)
            Assert.Equal(baseWeight[c] + 0.5f * adapter.A.Value[c], merged[c], 5);
        Assert.Equal(baseWeight[cols], merged[cols]);
    }
}
