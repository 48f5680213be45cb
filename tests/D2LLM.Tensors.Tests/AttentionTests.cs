using D2LLM.Tensors.Kernels;
using static D2LLM.Tensors.Tests.GradCheck;

namespace D2LLM.Tensors.Tests;

public class AttentionTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void GroupedQueryAttention_MatchesReferenceAndFiniteDifferences(bool causal, bool withPadding)
    {
        var rng = new Random(causal ? 11 : 12);
        int qHeads = 4, kvHeads = 2, d = 4;
        int[] starts = { 0, 3, 8 };
        int tokens = starts[^1];
        byte[] mask = withPadding ? new byte[] { 1, 1, 1, 1, 1, 1, 0, 0 } : Array.Empty<byte>();
        float[] q = F(Random(rng, tokens * qHeads * d)), k = F(Random(rng, tokens * kvHeads * d)), v = F(Random(rng, tokens * kvHeads * d));
        double[] r = Random(rng, q.Length);
        double scale = 1 / Math.Sqrt(d);

        double[] Ref(double[] qq, double[] kk, double[] vv)
        {
            var o = new double[qq.Length];
            for (int b = 0; b + 1 < starts.Length; b++)
                for (int h = 0; h < qHeads; h++)
                {
                    int g = h / (qHeads / kvHeads);
                    for (int i = starts[b]; i < starts[b + 1]; i++)
                    {
                        var logits = new List<(int J, double S)>();
                        for (int j = starts[b]; j < starts[b + 1]; j++)
                        {
                            if (mask.Length > 0 && mask[j] == 0) continue;
                            if (causal && j > i) continue;
                            double s = 0;
                            for (int e = 0; e < d; e++) s += qq[(i * qHeads + h) * d + e] * kk[(j * kvHeads + g) * d + e];
                            logits.Add((j, s * scale));
                        }

                        double max = logits.Max(l => l.S), z = logits.Sum(l => Math.Exp(l.S - max));
                        foreach (var (j, s) in logits)
                            for (int e = 0; e < d; e++) o[(i * qHeads + h) * d + e] += Math.Exp(s - max) / z * vv[(j * kvHeads + g) * d + e];
                    }
                }

            return o;
        }

        var output = new float[q.Length];
        var probs = new float[Attention.ProbsLength(starts, qHeads)];
        Attention.Forward(q, k, v, output, probs, starts, qHeads, kvHeads, d, causal, mask);
        AssertForward(Ref(D(q), D(k), D(v)), output, "output");
        var unkept = new float[q.Length];
        Attention.Forward(q, k, v, unkept, default, starts, qHeads, kvHeads, d, causal, mask);
        Assert.Equal(output, unkept); // inference keeps no probabilities and computes the same
        Assert.Throws<ArgumentException>(() => Attention.Backward(F(r), q, k, v, default, new float[q.Length], new float[k.Length], new float[v.Length], starts, qHeads, kvHeads, d));

        float[] dq = new float[q.Length], dk = new float[k.Length], dv = new float[v.Length];
        Attention.Backward(F(r), q, k, v, probs, dq, dk, dv, starts, qHeads, kvHeads, d);
        AssertClose(Numeric(x => Dot(r, Ref(x, D(k), D(v))), D(q)), dq, "dq");
        AssertClose(Numeric(x => Dot(r, Ref(D(q), x, D(v))), D(k)), dk, "dk");
        AssertClose(Numeric(x => Dot(r, Ref(D(q), D(k), x)), D(v)), dv, "dv");
    }

    [Fact]
    public void SequencesInOneBatchDoNotSeeEachOther()
    {
        var rng = new Random(13);
        int heads = 2, d = 8;
        float[] q = F(Random(rng, 5 * heads * d)), k = F(Random(rng, 5 * heads * d)), v = F(Random(rng, 5 * heads * d));
        var together = new float[q.Length];
        Attention.Forward(q, k, v, together, new float[Attention.ProbsLength(new[] { 0, 2, 5 }, heads)], new[] { 0, 2, 5 }, heads, heads, d, causal: true);
        var alone = new float[3 * heads * d];
        int o = 2 * heads * d;
        Attention.Forward(q.AsSpan(o), k.AsSpan(o), v.AsSpan(o), alone, new float[9 * heads], new[] { 0, 3 }, heads, heads, d, causal: true);
        Assert.Equal(alone, together.AsSpan(o).ToArray());
    }

    /// <summary>
    /// Logits of 400, 200 and −100 (exp overflows float32 past 88.7): the first key takes all the weight, as in exact
    /// arithmetic. A SciFact abstract through all-MiniLM-L6-v2 reaches such logits in its first layer.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LogitsBeyondExpRange_StayFinite(bool causal)
    {
        float[] q = { 20, 20, 20 }, k = { 20, 10, -5 }, v = { 3, -7, 11 };
        var output = new float[3];
        var probs = new float[Attention.ProbsLength(new[] { 0, 3 }, 1)];
        Attention.Forward(q, k, v, output, probs, new[] { 0, 3 }, 1, 1, 1, causal, scale: 1f);
        Assert.Equal(new float[] { 3, 3, 3 }, output);
        Assert.Equal(new float[] { 1, 1, 1, 0, 0, 0, 0, 0, 0 }, probs); // key-major: every query on key 0
    }
}
