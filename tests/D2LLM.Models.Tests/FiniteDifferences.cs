using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Models.Tests;

/// <summary>Gradient checks: analytic gradients (already in each parameter's Grad) against central differences.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// Norm-wise relative error ‖g − ĝ‖ / ‖ĝ‖ over the probed entries, where ĝ = (L(θ + h) − L(θ − h)) / 2h.
    /// Fails when every numeric gradient is zero: such a check would pass whatever the analytic gradient.
    /// </summary>
    public static double RelativeError(IEnumerable<(Parameter P, int Index)> probes, Func<double> loss, float step = 1e-2f)
    {
        double diff = 0, norm = 0;
        foreach (var (p, i) in probes)
        {
            float keep = p.Value[i];
            p.Value[i] = keep + step;
            double up = loss();
            p.Value[i] = keep - step;
            double down = loss();
            p.Value[i] = keep;
            double numeric = (up - down) / (2 * step);
            diff += (p.Grad[i] - numeric) * (p.Grad[i] - numeric);
            norm += numeric * numeric;
        }

        Assert.True(norm > 0, "every probed numeric gradient is zero");
        return Math.Sqrt(diff / norm);
    }

    /// <summary>
    /// Relative error (norm-wise) of a backbone's analytic gradient of L = Σ r ⊙ Forward(batch), r random, against
    /// central differences at a few random entries of each parameter (or the entries <paramref name="pick"/> chooses).
    /// </summary>
    public static double OfBackbone(IBackbone model, TokenBatch batch, IReadOnlyList<Parameter> parameters, Random rng, int perParameter, Func<Random, int>? pick = null)
    {
        foreach (var p in parameters) p.ZeroGrad();
        var r = new float[batch.Tokens * model.HiddenSize];
        for (int i = 0; i < r.Length; i++) r[i] = (float)(rng.NextDouble() * 2 - 1);
        double Loss()
        {
            var y = new float[r.Length];
            model.Kernels.CopyTo(model.Forward(batch), y);
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)r[i] * y[i];
            return s;
        }

        var pass = new BackbonePass(batch);
        model.Forward(batch, pass);
        model.Backward(pass, Tensor.Wrap(r, batch.Tokens, model.HiddenSize));
        var probes = parameters.SelectMany(p => Enumerable.Range(0, perParameter).Select(_ => (p, pick?.Invoke(rng) ?? rng.Next(p.Length)))).ToList();
        return RelativeError(probes, Loss);
    }
}
