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
}
