using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Tensors.Optim;

namespace D2LLM.Encoders.Tests;

/// <summary>
/// The BERT encoder's backward pass against central differences of L = Σ r ⊙ Forward(batch) on a tiny random encoder:
/// LoRA adapters on every projection, and full fine-tuning of every kind of tensor (matrices, biases, both LayerNorms,
/// the three embedding tables and their norm). The batch holds a single text and a [CLS] q [SEP] p [SEP] pair, so token
/// types and the attention boundary between texts are exercised.
/// </summary>
public sealed class BertGradientTests
{
    [Fact]
    public void Lora_BackwardMatchesFiniteDifferences()
    {
        using var folder = new TinyBert(seed: 1);
        using var model = Backbones.Load(folder.Path);
        model.AddLora(new LoraOptions { Rank = 2, Alpha = 4, Dropout = 0 }, seed: 3);
        var rng = new Random(5);
        var parameters = model.LoraParameters().ToList();
        Assert.Equal(2 * 6 * 2, parameters.Count); // A and B on six projections (BERT has no gate) of two layers
        foreach (var b in parameters.Where(p => p.Name.EndsWith("lora_B.weight", StringComparison.Ordinal)))
            for (int i = 0; i < b.Length; i++) b.Value[i] = (float)(rng.NextDouble() - 0.5) * 0.5f;
        double error = GradientError(model, parameters, rng, perParameter: 3);
        Assert.True(error <= 2e-3, $"relative error {error:E3}");
    }

    [Fact]
    public void FullFineTuning_BackwardMatchesFiniteDifferences_ForEveryKindOfTensor()
    {
        using var folder = new TinyBert(seed: 2);
        using var model = Backbones.Load(folder.Path);
        var parameters = model.MakeTrainable(includeEmbedding: true);
        Assert.Equal(5 + 2 * 16, parameters.Count);
        var ids = Batch(model).Ids;
        int h = model.HiddenSize;
        var rng = new Random(9);
        // Embedding tables: only rows the batch reads have a gradient, so probe those.
        var tables = parameters.Where(p => p.Name.StartsWith("embeddings.", StringComparison.Ordinal) && p.Shape.Length == 2).ToList();
        var others = parameters.Except(tables).ToList();
        double error = GradientError(model, others, rng, perParameter: 2);
        Assert.True(error <= 2e-3, $"layers and norms: relative error {error:E3}");
        double tableError = GradientError(model, tables.Where(t => t.Name.Contains("word")).ToList(), rng, perParameter: 8, pick: r => ids[r.Next(ids.Length)] * h + r.Next(h));
        Assert.True(tableError <= 2e-3, $"word embeddings: relative error {tableError:E3}");
        double typeError = GradientError(model, tables.Where(t => t.Name.Contains("token_type")).ToList(), rng, perParameter: 8);
        Assert.True(typeError <= 2e-3, $"token-type embeddings: relative error {typeError:E3}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backward_OnPooledActivations_EqualsAFreshModelsExactly(bool full)
    {
        using var folder = new TinyBert(seed: 3);
        var runs = PooledPasses.Gradients(() => Backbones.Load(folder.Path), m =>
            {
                if (full) return m.MakeTrainable(includeEmbedding: true);
                m.AddLora(new LoraOptions { Rank = 2, Alpha = 4, Dropout = 0.2f }, seed: 3);
                foreach (var b in m.LoraParameters().Where(p => p.Name.EndsWith("lora_B.weight", StringComparison.Ordinal))) Array.Fill(b.Value, 0.1f);
                return m.LoraParameters().ToList();
            },
            Batch, m => TokenBatch.Pack(new[] { m.EncodeUntrusted("a longer batch leaves its values in the pooled arena for the next pass to find, twice over", 64) }));
        Assert.All(runs, run => Assert.Equal(run.Fresh, run.Reused));
    }

    private static TokenBatch Batch(IBackbone model) => TokenBatch.Pack(new[]
    {
        model.EncodeUntrusted("gradients flow back through the encoder.", 32),
        model.EncodePair(model.EncodeUntrusted("pair of texts", 32), model.EncodeUntrusted("the encoder", 32), ""),
    });

    private static double GradientError(IBackbone model, IReadOnlyList<Parameter> parameters, Random rng, int perParameter, Func<Random, int>? pick = null) =>
        FiniteDifferences.OfBackbone(model, Batch(model), parameters, rng, perParameter, pick);
}
