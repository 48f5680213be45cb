using D2LLM.Tensors.Kernels;
using static D2LLM.Tensors.Tests.GradCheck;

namespace D2LLM.Tensors.Tests;

public class LayerGradientTests
{
    [Fact]
    public void Linear()
    {
        var rng = new Random(1);
        int n = 3, inF = 5, outF = 4;
        float[] x = F(Random(rng, n * inF)), w = F(Random(rng, outF * inF)), b = F(Random(rng, outF));
        double[] r = Random(rng, n * outF);
        double[] Ref(double[] xx, double[] ww, double[] bb)
        {
            var y = new double[n * outF];
            for (int i = 0; i < n; i++)
                for (int o = 0; o < outF; o++)
                {
                    double s = bb[o];
                    for (int k = 0; k < inF; k++) s += xx[i * inF + k] * ww[o * inF + k];
                    y[i * outF + o] = s;
                }

            return y;
        }

        var yf = new float[n * outF];
        Kernels.Linear.Forward<float>(x, w, b, yf, n, inF, outF);
        AssertForward(Ref(D(x), D(w), D(b)), yf, "y");
        float[] dx = new float[x.Length], dw = new float[w.Length], db = new float[b.Length];
        Kernels.Linear.Backward<float>(F(r), x, w, dx, dw, db, n, inF, outF);
        AssertClose(Numeric(v => Dot(r, Ref(v, D(w), D(b))), D(x)), dx, "dx");
        AssertClose(Numeric(v => Dot(r, Ref(D(x), v, D(b))), D(w)), dw, "dw");
        AssertClose(Numeric(v => Dot(r, Ref(D(x), D(w), v)), D(b)), db, "db");
    }

    [Fact]
    public void Embedding()
    {
        var rng = new Random(2);
        int vocab = 6, dim = 3;
        int[] ids = { 4, 1, 4 };
        float[] table = F(Random(rng, vocab * dim));
        double[] r = Random(rng, ids.Length * dim);
        double[] Ref(double[] t) => ids.SelectMany(id => t.Skip(id * dim).Take(dim)).ToArray();
        var y = new float[ids.Length * dim];
        Kernels.Embedding.Forward<float>(ids, table, y, dim);
        AssertForward(Ref(D(table)), y, "y");
        var dt = new float[table.Length];
        Kernels.Embedding.Backward(ids, F(r), dt, dim);
        AssertClose(Numeric(v => Dot(r, Ref(v)), D(table)), dt, "dtable");
    }

    [Fact]
    public void RmsNorm()
    {
        var rng = new Random(3);
        int rows = 3, dim = 8;
        const double eps = 1e-6;
        float[] x = F(Random(rng, rows * dim)), w = F(Random(rng, dim));
        double[] r = Random(rng, rows * dim);
        double[] Ref(double[] xx, double[] ww)
        {
            var y = new double[rows * dim];
            for (int i = 0; i < rows; i++)
            {
                double ms = 0;
                for (int j = 0; j < dim; j++) ms += xx[i * dim + j] * xx[i * dim + j];
                double rs = 1 / Math.Sqrt(ms / dim + eps);
                for (int j = 0; j < dim; j++) y[i * dim + j] = xx[i * dim + j] * rs * ww[j];
            }

            return y;
        }

        float[] y = new float[x.Length], rstd = new float[rows];
        Kernels.RmsNorm.Forward(x, w, y, rstd, rows, dim, (float)eps);
        AssertForward(Ref(D(x), D(w)), y, "y");
        float[] dx = new float[x.Length], dw = new float[dim];
        Kernels.RmsNorm.Backward(F(r), x, w, rstd, dx, dw, rows, dim);
        AssertClose(Numeric(v => Dot(r, Ref(v, D(w))), D(x)), dx, "dx");
        AssertClose(Numeric(v => Dot(r, Ref(D(x), v)), D(w)), dw, "dw");
    }

    [Fact]
    public void LayerNorm()
    {
        var rng = new Random(4);
        int rows = 3, dim = 7;
        const double eps = 1e-5;
        float[] x = F(Random(rng, rows * dim)), w = F(Random(rng, dim)), b = F(Random(rng, dim));
        double[] r = Random(rng, rows * dim);
        double[] Ref(double[] xx, double[] ww, double[] bb)
        {
            var y = new double[rows * dim];
            for (int i = 0; i < rows; i++)
            {
                double mu = 0, var = 0;
                for (int j = 0; j < dim; j++) mu += xx[i * dim + j] / dim;
                for (int j = 0; j < dim; j++) var += (xx[i * dim + j] - mu) * (xx[i * dim + j] - mu) / dim;
                for (int j = 0; j < dim; j++) y[i * dim + j] = (xx[i * dim + j] - mu) / Math.Sqrt(var + eps) * ww[j] + bb[j];
            }

            return y;
        }

        float[] y = new float[x.Length], mean = new float[rows], rstd = new float[rows];
        Kernels.LayerNorm.Forward(x, w, b, y, mean, rstd, rows, dim, (float)eps);
        AssertForward(Ref(D(x), D(w), D(b)), y, "y");
        float[] dx = new float[x.Length], dw = new float[dim], db = new float[dim];
        Kernels.LayerNorm.Backward(F(r), x, w, mean, rstd, dx, dw, db, rows, dim);
        AssertClose(Numeric(v => Dot(r, Ref(v, D(w), D(b))), D(x)), dx, "dx");
        AssertClose(Numeric(v => Dot(r, Ref(D(x), v, D(b))), D(w)), dw, "dw");
        AssertClose(Numeric(v => Dot(r, Ref(D(x), D(w), v)), D(b)), db, "db");
    }

    [Fact]
    public void Rope()
    {
        var rng = new Random(5);
        int heads = 2, d = 6;
        int[] positions = { 0, 5, 17 };
        const double theta = 10000;
        float[] x = F(Random(rng, positions.Length * heads * d));
        double[] r = Random(rng, x.Length);
        double[] Ref(double[] xx)
        {
            var y = new double[xx.Length];
            int half = d / 2;
            for (int t = 0; t < positions.Length; t++)
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < half; i++)
                    {
                        double f = positions[t] * Math.Pow(theta, -2.0 * i / d);
                        int o = (t * heads + h) * d;
                        y[o + i] = xx[o + i] * Math.Cos(f) - xx[o + i + half] * Math.Sin(f);
                        y[o + i + half] = xx[o + i + half] * Math.Cos(f) + xx[o + i] * Math.Sin(f);
                    }

            return y;
        }

        var rope = new Kernels.Rope(d, 32, theta);
        var y = new float[x.Length];
        rope.Forward(x, y, positions, heads);
        AssertForward(Ref(D(x)), y, "y");
        var dx = new float[x.Length];
        rope.Backward(F(r), dx, positions, heads);
        AssertClose(Numeric(v => Dot(r, Ref(v)), D(x)), dx, "dx");
    }

    [Fact]
    public void Activations()
    {
        var rng = new Random(6);
        float[] x = F(Random(rng, 20, 3));
        for (int i = 0; i < x.Length; i++) if (Math.Abs(x[i]) < 0.05f) x[i] = 0.5f; // ReLU's kink is not differentiable
        double[] r = Random(rng, x.Length);
        Check("silu", Silu.Forward, Silu.Backward, v => v / (1 + Math.Exp(-v)));
        Check("gelu", (v, y) => Gelu.Forward(v, y), Gelu.Backward, v => 0.5 * v * (1 + ErfByQuadrature(v / Math.Sqrt(2))));
        Check("relu", Relu.Forward, Relu.Backward, v => Math.Max(v, 0));

        void Check(string name, SpanAction forward, BackwardAction backward, Func<double, double> f)
        {
            double[] Ref(double[] xx) => xx.Select(f).ToArray();
            var y = new float[x.Length];
            forward(x, y);
            AssertForward(Ref(D(x)), y, name);
            var dx = new float[x.Length];
            backward(x, F(r), dx);
            AssertClose(Numeric(v => Dot(r, Ref(v)), D(x)), dx, name);
        }
    }

    [Fact]
    public void Gelu_RegisterForm_EqualsSpanForm()
    {
        var rng = new Random(16);
        float[] x = [.. F(Random(rng, 1003, 4)), 0f, -0f, 30f, -30f, 1e-20f, float.MaxValue / 4, float.MinValue / 4];
        float[] fused = new float[x.Length], spans = new float[x.Length];
        Gelu.Forward(x, fused, vector: true);
        Gelu.Forward(x, spans, vector: false);
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(fused[i] - spans[i]) <= 1e-6 * Math.Max(1, Math.Abs(spans[i])), $"x = {x[i]}: {fused[i]} vs {spans[i]}");
        Assert.Equal(0f, fused[^4]);
        Assert.Equal(30f, fused[^5]);
    }

    /// <summary>erf(x) = 2/√π ∫₀ˣ e^(−t²) dt by Simpson's rule on 4,000 intervals: a reference independent of the kernel's fit.</summary>
    private static double ErfByQuadrature(double x)
    {
        const int n = 4000;
        double h = x / n, sum = 1 + Math.Exp(-x * x);
        for (int i = 1; i < n; i++) sum += (i % 2 == 1 ? 4 : 2) * Math.Exp(-(i * h) * (i * h));
        return 2 / Math.Sqrt(Math.PI) * sum * h / 3;
    }

    [Fact]
    public void SwiGlu()
    {
        var rng = new Random(7);
        float[] gate = F(Random(rng, 12, 3)), up = F(Random(rng, 12));
        double[] r = Random(rng, 12);
        double[] Ref(double[] g, double[] u) => g.Select((v, i) => v / (1 + Math.Exp(-v)) * u[i]).ToArray();
        var y = new float[12];
        Kernels.SwiGlu.Forward(gate, up, y);
        AssertForward(Ref(D(gate), D(up)), y, "y");
        float[] dg = new float[12], du = new float[12];
        Kernels.SwiGlu.Backward(gate, up, F(r), dg, du);
        AssertClose(Numeric(v => Dot(r, Ref(v, D(up))), D(gate)), dg, "dgate");
        AssertClose(Numeric(v => Dot(r, Ref(D(gate), v)), D(up)), du, "dup");
    }

    [Fact]
    public void MaskedSoftmaxAndLogSoftmax()
    {
        var rng = new Random(8);
        int rows = 3, cols = 5;
        float[] x = F(Random(rng, rows * cols, 2));
        byte[] mask = { 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0 };
        double[] r = Random(rng, rows * cols);
        double[] Ref(double[] xx, bool log)
        {
            var y = new double[xx.Length];
            for (int i = 0; i < rows; i++)
            {
                double sum = 0;
                for (int j = 0; j < cols; j++) if (mask[i * cols + j] != 0) sum += Math.Exp(xx[i * cols + j]);
                for (int j = 0; j < cols; j++)
                    y[i * cols + j] = mask[i * cols + j] == 0 ? 0 : log ? xx[i * cols + j] - Math.Log(sum) : Math.Exp(xx[i * cols + j]) / sum;
            }

            return y;
        }

        var y = new float[x.Length];
        Kernels.Softmax.Forward(x, y, rows, cols, mask);
        AssertForward(Ref(D(x), false), y, "softmax");
        var dx = new float[x.Length];
        Kernels.Softmax.Backward(y, F(r), dx, rows, cols);
        AssertClose(Numeric(v => Dot(r, Ref(v, false)), D(x)), dx, "softmax dx");

        var ly = new float[x.Length];
        LogSoftmax.Forward(x, ly, rows, cols, mask);
        for (int i = 0; i < mask.Length; i++) Assert.Equal(mask[i] == 0, float.IsNegativeInfinity(ly[i]));
        var ldx = new float[x.Length];
        LogSoftmax.Backward(ly, F(r), ldx, rows, cols);
        AssertClose(Numeric(v => Dot(r, Ref(v, true)), D(x)), ldx, "log-softmax dx");
    }

    [Fact]
    public void ResidualPoolingAndDropout()
    {
        var rng = new Random(9);
        int dim = 4;
        int[] starts = { 0, 3, 7 };
        byte[] mask = { 1, 1, 0, 1, 1, 1, 0 };
        float[] x = F(Random(rng, 7 * dim));
        double[] r = Random(rng, 2 * dim);

        double[] MeanRef(double[] xx)
        {
            var y = new double[2 * dim];
            for (int b = 0; b < 2; b++)
            {
                var tokens = Enumerable.Range(starts[b], starts[b + 1] - starts[b]).Where(t => mask[t] != 0).ToArray();
                for (int j = 0; j < dim; j++) y[b * dim + j] = tokens.Average(t => xx[t * dim + j]);
            }

            return y;
        }

        double[] LastRef(double[] xx) => new[] { 1, 5 }.SelectMany(t => xx.Skip(t * dim).Take(dim)).ToArray();

        var y = new float[2 * dim];
        Pooling.MeanForward(x, starts, y, dim, mask);
        AssertForward(MeanRef(D(x)), y, "mean");
        var dx = new float[x.Length];
        Pooling.MeanBackward(F(r), starts, dx, dim, mask);
        AssertClose(Numeric(v => Dot(r, MeanRef(v)), D(x)), dx, "mean dx");

        Pooling.LastForward(x, starts, y, dim, mask);
        AssertForward(LastRef(D(x)), y, "last");
        Array.Clear(dx);
        Pooling.LastBackward(F(r), starts, dx, dim, mask);
        AssertClose(Numeric(v => Dot(r, LastRef(v)), D(x)), dx, "last dx");

        float[] a = F(Random(rng, 6)), bb = F(Random(rng, 6)), sum = new float[6], da = new float[6], db = new float[6];
        double[] r6 = Random(rng, 6);
        Residual.Forward(a, bb, sum);
        AssertForward(D(a).Zip(D(bb), (p, q) => p + q).ToArray(), sum, "residual");
        Residual.Backward(F(r6), da, db);
        AssertClose(Numeric(v => Dot(r6, v.Zip(D(bb), (p, q) => p + q).ToArray()), D(a)), da, "residual da");
        AssertClose(Numeric(v => Dot(r6, D(a).Zip(v, (p, q) => p + q).ToArray()), D(bb)), db, "residual db");

        var dropped = new float[6];
        Kernels.Dropout.Forward(a, dropped, 0.5f, seed: 1);
        var keep = dropped.Select(v => v != 0f ? 1 : 0).ToArray();
        Assert.Contains(keep, k => k == 0);
        Assert.Contains(keep, k => k == 1);
        double[] DropRef(double[] v) => v.Select((e, i) => keep[i] * e * 2).ToArray();
        AssertForward(DropRef(D(a)), dropped, "dropout");
        var ddrop = new float[6];
        Kernels.Dropout.Backward(F(r6), ddrop, 0.5f, seed: 1);
        AssertClose(Numeric(v => Dot(r6, DropRef(v)), D(a)), ddrop, "dropout dx");
    }

    private delegate void SpanAction(ReadOnlySpan<float> x, Span<float> y);

    private delegate void BackwardAction(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx);
}
