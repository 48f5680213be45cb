namespace D2LLM.Tensors.Optim;

/// <summary>
/// Global-norm clipping (torch.nn.utils.clip_grad_norm_): n = √(Σ g²) over all parameters; when n > max,
/// every gradient is scaled by max / (n + 1e-6).
/// </summary>
public static class GradientClipping
{
    /// <summary>Clips in place and returns the norm before clipping.</summary>
    public static float ClipGlobalNorm(IEnumerable<Parameter> parameters, float maxNorm)
    {
        var list = parameters as IReadOnlyCollection<Parameter> ?? parameters.ToArray();
        double sum = 0;
        foreach (var p in list) sum += System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(p.Grad);
        float norm = (float)Math.Sqrt(sum);
        if (norm > maxNorm)
        {
            float scale = maxNorm / (norm + 1e-6f);
            foreach (var p in list) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Grad, scale, p.Grad);
        }

        return norm;
    }
}
