using D2LLM.Student;
using D2LLM.Tensors;

namespace D2LLM.Tests;

public class HeadTests
{
    [Theory]
    [InlineData(PmaVariant.Reference, 1, false)]
    [InlineData(PmaVariant.Standard, 1, true)]
    [InlineData(PmaVariant.Reference, 2, true)]
    public void Pma_BackwardMatchesFiniteDifferences(PmaVariant variant, int seeds, bool padding)
    {
        var rng = new Random(21);
        var pma = new Pma(new PmaOptions(Dim: 8, Heads: 2, Seeds: seeds, Variant: variant), rng);
        int[] starts = { 0, 3, 7 };
        byte[]? mask = padding ? new byte[] { 1, 1, 1, 1, 1, 0, 0 } : null;
        var x = Tensor.Wrap(Random(rng, 7 * 8), 7, 8);
        var r = Random(rng, 2 * seeds * 8);
        double Loss() => Dot(r, pma.Forward(x, starts, mask).Data);

        var cache = new PmaCache();
        pma.Forward(x, starts, mask, cache);
        var dx = pma.Backward(Tensor.Wrap((float[])r.Clone(), 2, seeds * 8), cache);
        foreach (var p in pma.Parameters) CheckParameter(p.Name, p.Value, p.Grad, Loss, rng);
        CheckParameter("x", x.Data, dx.Data, Loss, rng, masked: mask);
    }

    [Fact]
    public void Iem_BackwardMatchesFiniteDifferences_ForBothBranches()
    {
        var rng = new Random(25);
        var iem = new Iem(dim: 6, hidden: 5, rng);
        var u = Tensor.Wrap(Random(rng, 2 * 6), 2, 6);
        var v = Tensor.Wrap(Random(rng, 3 * 6), 3, 6);
        int[] q = { 0, 0, 1, 1, 1 }, d = { 0, 2, 0, 1, 2 };
        foreach (var task in new[] { IemTask.Symmetric, IemTask.Asymmetric })
        {
            foreach (var p in iem.Parameters) p.ZeroGrad();
            var r = Random(rng, q.Length);
            var rf = Random(rng, q.Length * 5);
            double Loss()
            {
                var cache = new IemCache();
                var z = iem.Forward(u, v, q, d, task, cache);
                return Dot(r, z) + Dot(rf, iem.Features(cache).Data);
            }

            var c = new IemCache();
            iem.Forward(u, v, q, d, task, c);
            var (du, dv) = iem.Backward(r, Tensor.Wrap((float[])rf.Clone(), q.Length, 5), c);
            var used = task == IemTask.Symmetric ? new[] { iem.Branch[1], iem.BranchBias[1] } : new[] { iem.Branch[0], iem.BranchBias[0] };
            foreach (var p in iem.Parameters.Except(used)) CheckParameter($"{task} {p.Name}", p.Value, p.Grad, Loss, rng);
            Assert.All(used, p => Assert.All(p.Grad, g => Assert.Equal(0f, g)));
            CheckParameter("u", u.Data, du.Data, Loss, rng);
            CheckParameter("v", v.Data, dv.Data, Loss, rng);
        }
    }

    [Fact]
    public void Iem_FromCachedProjections_EqualsTheDirectConcatenatedForm()
    {
        var rng = new Random(23);
        int dim = 16, hidden = 8;
        var iem = new Iem(dim, hidden, rng);
        var u = Tensor.Wrap(Random(rng, 3 * dim), 3, dim);
        var v = Tensor.Wrap(Random(rng, 4 * dim), 4, dim);
        var pv = iem.ProjectPassages(v);
        var pu = iem.ProjectQueries(u);
        for (int qi = 0; qi < 3; qi++)
        {
            var scores = iem.Score(pu, pv, new[] { qi, qi, qi, qi }, new[] { 0, 1, 2, 3 }, IemTask.Asymmetric);
            for (int dj = 0; dj < 4; dj++)
            {
                // Direct form in float64: W1·[u; v] with W1 = [W1u | W1v].
                var g = new double[hidden];
                for (int h = 0; h < hidden; h++)
                {
                    double s = iem.C1.Value[h];
                    for (int j = 0; j < dim; j++)
                        s += iem.W1u.Value[h * dim + j] * u.Data[qi * dim + j] + iem.W1v.Value[h * dim + j] * v.Data[dj * dim + j];
                    g[h] = Math.Max(0, s);
                }

                double z = iem.C2.Value[0];
                for (int h = 0; h < hidden; h++)
                {
                    double f = iem.BranchBias[1].Value[h];
                    for (int j = 0; j < hidden; j++) f += iem.Branch[1].Value[h * hidden + j] * g[j];
                    z += iem.W2.Value[h] * Math.Max(0, f);
                }

                Assert.Equal(z, scores[dj], 4);
            }
        }
    }

    /// <summary>
    /// Central differences on float32 modules (their kernels are checked in float64 at 1e-4 in D2LLM.Tensors.Tests):
    /// entries whose forward and backward one-sided differences disagree have a ReLU kink inside the step and are
    /// skipped; the rest must agree within 5e-3 norm-wise.
    /// </summary>
    private static void CheckParameter(string name, float[] values, float[] grad, Func<double> loss, Random rng, byte[]? masked = null)
    {
        double diff = 0, norm = 0, f0 = loss();
        int samples = Math.Min(values.Length, 12), used = 0;
        for (int n = 0; n < samples; n++)
        {
            int i = values.Length <= 12 ? n : rng.Next(values.Length);
            float keep = values[i];
            const float h = 2e-3f;
            values[i] = keep + h;
            double up = loss();
            values[i] = keep - h;
            double down = loss();
            values[i] = keep;
            double numeric = (up - down) / (2 * h), forward = (up - f0) / h, backward = (f0 - down) / h;
            if (Math.Abs(forward - backward) > 0.1 * Math.Abs(numeric) + 1e-3) continue;
            used++;
            diff += (grad[i] - numeric) * (grad[i] - numeric);
            norm += numeric * numeric;
        }

        Assert.True(used >= samples / 2, $"{name}: only {used} of {samples} entries were away from a kink");
        if (masked is not null && norm == 0) return;
        double analytic = Math.Sqrt(grad.Sum(g => (double)g * g));
        if (analytic < 1e-5)
        {
            // Zero in exact arithmetic (PMA's key bias shifts every score of a softmax equally): the numeric value
            // must be float32 noise (~1e-3 at this step).
            Assert.True(Math.Sqrt(norm / used) < 5e-3, $"{name}: analytic gradient is zero, numeric is {Math.Sqrt(norm / used):E2}");
            return;
        }

        Assert.True(Math.Sqrt(diff / norm) <= 5e-3, $"{name}: relative error {Math.Sqrt(diff / norm):E2}");
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }

    private static float[] Random(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
}
