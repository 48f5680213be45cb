using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Tensors;
using D2LLM.Training;

namespace D2LLM.Tests;

public class LoraEncoderTests
{
    [Fact]
    public void ChunkedEncoding_GivesTheStatesAndGradientsOfOnePass()
    {
        var texts = new[] { "a first text about rivers", "第二段文字，关于山", "three", "a fourth, somewhat longer text about stones and clouds", "五" };
        (float[] States, float[] Grads, int Chunk) Run(long budget)
        {
            using var folder = new FixtureModel("tiny-qwen3-a");
            using var model = Backbones.LoadDecoder(folder.Path);
            var encoder = new LoraEncoder(model, new LoraOptions { Rank = 2, Alpha = 2, Dropout = 0 }, maxTokens: 32, seed: 3, activationBudgetBytes: budget);
            var rng = new Random(1);
            foreach (var p in encoder.Parameters)
                for (int i = 0; i < p.Length; i++) p.Value[i] = (float)(rng.NextDouble() - 0.5) * 0.2f;
            var encoded = encoder.Encode(texts, training: true);
            var d = new float[encoded.States.Length];
            for (int i = 0; i < d.Length; i++) d[i] = (float)(rng.NextDouble() * 2 - 1);
            encoder.Backward(encoded, Tensor.Wrap(d, encoded.States.Shape));
            return (encoded.States.Data.ToArray(), encoder.Parameters.SelectMany(p => p.Grad).ToArray(), encoder.ChunkTokens);
        }

        var single = Run(1L << 30);
        var chunked = Run(1); // the smallest budget: one text per chunk
        Assert.Equal(32, chunked.Chunk);
        Assert.True(single.Chunk > 1000);
        Assert.Equal(single.States.Length, chunked.States.Length);
        for (int i = 0; i < single.States.Length; i++) Assert.Equal(single.States[i], chunked.States[i], 5);
        double diff = single.Grads.Zip(chunked.Grads, (a, b) => (double)(a - b) * (a - b)).Sum(), norm = single.Grads.Sum(g => (double)g * g);
        Assert.True(norm > 0);
        Assert.True(Math.Sqrt(diff / norm) < 1e-5, $"relative gradient difference {Math.Sqrt(diff / norm):E2}");
    }
}
