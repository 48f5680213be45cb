namespace D2LLM.Tensors.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), as torch.optim.AdamW, at step t:
///   p ← p·(1 − lr·λ)  (only parameters with WeightDecay);
///   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²;
///   p ← p − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε).
/// </summary>
public sealed class AdamW
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;

    public AdamW(IEnumerable<Parameter> parameters, AdamWOptions? options = null)
    {
        _parameters = parameters.ToArray();
        Options = options ?? new AdamWOptions();
        _m = _parameters.Select(p => new float[p.Length]).ToArray();
        _v = _parameters.Select(p => new float[p.Length]).ToArray();
    }

    public AdamWOptions Options { get; }

    /// <summary>Number of steps taken; restored with the moments when training resumes.</summary>
    public int StepCount { get; private set; }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    public void Step(float learningRate)
    {
        StepCount++;
        float b1 = Options.Beta1, b2 = Options.Beta2, eps = Options.Epsilon;
        float bc1 = 1f - MathF.Pow(b1, StepCount);
        float bc2Sqrt = MathF.Sqrt(1f - MathF.Pow(b2, StepCount));
        float stepSize = learningRate / bc1;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            float[] value = p.Value, grad = p.Grad, m = _m[i], v = _v[i];
            float decay = p.WeightDecay ? 1f - learningRate * Options.WeightDecay : 1f;
            for (int j = 0; j < value.Length; j++)
            {
                float g = grad[j];
                m[j] = b1 * m[j] + (1f - b1) * g;
                v[j] = b2 * v[j] + (1f - b2) * g * g;
                value[j] = value[j] * decay - stepSize * m[j] / (MathF.Sqrt(v[j]) / bc2Sqrt + eps);
            }
        }
    }

    /// <summary>The first and second moments of parameter <paramref name="index"/>, for checkpoints.</summary>
    public (float[] M, float[] V) Moments(int index) => (_m[index], _v[index]);

    /// <summary>Restores the step count after the moments were loaded through <see cref="Moments"/>.</summary>
    public void RestoreStepCount(int steps) => StepCount = steps;
}
