using D2LLM.Tensors.Kernels;

namespace D2LLM.Tensors.Tests;

public class SoftmaxTests
{
    /// <summary>
    /// The key-major attention softmax equals the scalar masked row softmax of each query's column: every width around
    /// a vector's 16 (the padded tail), logits past exp's range, causal blocks whose queries are the last of their keys,
    /// a key mask, and a query no key counts for (all 0).
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void KeyMajorSoftmax_EqualsTheRowSoftmaxOfEachQuery(bool causal, bool masked)
    {
        var rng = new Random(causal ? 21 : 22);
        for (int queries = 1; queries <= 40; queries++)
        {
            int keys = queries + rng.Next(0, 5);
            var logits = Enumerable.Range(0, keys * queries).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 300)).ToArray();
            var mask = masked ? Enumerable.Range(0, keys).Select(p => (byte)(p % 3 == 1 || p == 0 ? 0 : 1)).ToArray() : Array.Empty<byte>();
            var block = (float[])logits.Clone();
            var inverseSums = new float[queries];
            KeyMajorSoftmax.Exponentials(block, keys, queries, causal, mask, new float[queries], inverseSums);
            KeyMajorSoftmax.Normalise(block, keys, queries, inverseSums);

            for (int i = 0; i < queries; i++)
            {
                var column = Enumerable.Range(0, keys).Select(p => logits[p * queries + i]).ToArray();
                var allowed = Enumerable.Range(0, keys).Select(p => (byte)((!masked || mask[p] != 0) && (!causal || p <= keys - queries + i) ? 1 : 0)).ToArray();
                var expected = new float[keys];
                Softmax.Row(column, expected, allowed);
                for (int p = 0; p < keys; p++)
                    Assert.True(Math.Abs(block[p * queries + i] - expected[p]) <= 1e-6f,
                        $"{keys} keys × {queries} queries, query {i}, key {p}: {block[p * queries + i]} vs {expected[p]}");
                Assert.Equal(allowed.Any(a => a != 0) ? 1f : 0f, Enumerable.Range(0, keys).Sum(p => block[p * queries + i]), 5);
            }
        }
    }
}
