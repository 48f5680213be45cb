namespace D2LLM.Losses;

/// <summary>
/// Feature imitation: the student's interaction features F[i, c] (IEM branch output, width h) should relate to each
/// other as the teacher's last-position states do. With G_i = rows of F[i, ·] L2-normalised, C^S_i = G_i·G_iᵀ and
/// the teacher's cosine matrix C^T_i ((K+1)×(K+1)):
///   L = (η/(K+1)²) Σ_i ‖C^T_i − C^S_i‖²_F   (summed over queries, as in the reference).
/// Backward: ∂L/∂C^S = −2η/(K+1)²·(C^T − C^S);  ∂L/∂G = 2·(∂L/∂C^S)·G;  ∂L/∂f = (∂g − g·(g·∂g))/‖f‖.
/// </summary>
public static class FeatureImitation
{
    public static double Compute(ReadOnlySpan<float> features, ReadOnlySpan<float> teacherCosines, BatchShape shape, int width, float eta, Span<float> dFeatures)
    {
        int n = shape.Candidates;
        double scale = eta / ((double)n * n), loss = 0;
        var g = new double[n * width];
        var norms = new double[n];
        var dc = new double[n * n];
        for (int i = 0; i < shape.B; i++)
        {
            var f = features.Slice(i * n * width, n * width);
            for (int c = 0; c < n; c++)
            {
                double ss = 0;
                for (int d = 0; d < width; d++) ss += (double)f[c * width + d] * f[c * width + d];
                norms[c] = Math.Max(Math.Sqrt(ss), 1e-12);
                for (int d = 0; d < width; d++) g[c * width + d] = f[c * width + d] / norms[c];
            }

            for (int a = 0; a < n; a++)
            {
                for (int c = 0; c < n; c++)
                {
                    double cs = 0;
                    for (int d = 0; d < width; d++) cs += g[a * width + d] * g[c * width + d];
                    double diff = teacherCosines[i * n * n + a * n + c] - cs;
                    loss += diff * diff;
                    dc[a * n + c] = -2 * scale * diff;
                }
            }

            if (dFeatures.IsEmpty) continue;
            for (int a = 0; a < n; a++)
            {
                double dot = 0;
                var dg = new double[width];
                for (int c = 0; c < n; c++)
                    for (int d = 0; d < width; d++) dg[d] += (dc[a * n + c] + dc[c * n + a]) * g[c * width + d];
                for (int d = 0; d < width; d++) dot += g[a * width + d] * dg[d];
                for (int d = 0; d < width; d++)
                    dFeatures[i * n * width + a * width + d] += (float)((dg[d] - g[a * width + d] * dot) / norms[a]);
            }
        }

        return loss * scale;
    }
}
