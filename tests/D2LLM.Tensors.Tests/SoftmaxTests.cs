using D2LLM.Tensors.Kernels;

namespace D2LLM.Tensors.Tests;

public class SoftmaxTests
{
    /// <summary>The vectorised row equals the scalar masked row with nothing masked, across vector tails and logits past exp's range.</summary>
    [Fact]
    public void VectorisedRow_MatchesScalarRow()
    {
        var rng = new Random(21);
        for (int n = 1; n <= 70; n++)
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 300)).ToArray();
            var vector = new float[n];
            var scalar = new float[n];
            Softmax.Row(x, vector);
            Softmax.Row(x, scalar, default);
            for (int j = 0; j < n; j++) Assert.True(Math.Abs(vector[j] - scalar[j]) <= 1e-6f, $"n = {n}, j = {j}: {vector[j]} vs {scalar[j]}");
            Assert.True(Math.Abs(vector.Sum() - 1f) <= 1e-5f, $"n = {n}: probabilities sum to {vector.Sum()}");
        }
    }

    /// <summary>The exponentials are the unnormalised softmax, their sum its denominator.</summary>
    [Fact]
    public void Exponentials_AreTheUnnormalisedRow()
    {
        var rng = new Random(22);
        for (int n = 1; n <= 40; n++)
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 30)).ToArray();
            var e = new float[n];
            float sum = Softmax.Exponentials(x, e);
            float max = x.Max();
            double exactSum = x.Sum(v => Math.Exp(v - max));
            Assert.True(Math.Abs(sum - exactSum) <= 1e-6 * exactSum, $"n = {n}: sum {sum} vs {exactSum}");
            for (int j = 0; j < n; j++) Assert.True(Math.Abs(e[j] - Math.Exp(x[j] - max)) <= 1e-6, $"n = {n}, j = {j}");
        }
    }
}
