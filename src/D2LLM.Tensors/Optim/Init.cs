namespace D2LLM.Tensors.Optim;

/// <summary>Seeded parameter initialisation, in PyTorch's conventions.</summary>
public static class Init
{
    /// <summary>Xavier/Glorot uniform: U(−a, a), a = √(6 / (fanIn + fanOut)).</summary>
    public static void XavierUniform(Span<float> w, int fanIn, int fanOut, Random rng) =>
        Uniform(w, MathF.Sqrt(6f / (fanIn + fanOut)), rng);

    /// <summary>nn.Linear's default for weights and biases: U(−1/√fanIn, 1/√fanIn).</summary>
    public static void LinearDefault(Span<float> w, int fanIn, Random rng) => Uniform(w, 1f / MathF.Sqrt(fanIn), rng);

    public static void Uniform(Span<float> w, float bound, Random rng)
    {
        for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
    }

    /// <summary>N(0, std²) by Box–Muller.</summary>
    public static void Normal(Span<float> w, float std, Random rng)
    {
        for (int i = 0; i < w.Length; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)) * std;
            w[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < w.Length) w[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
    }

    public static void Constant(Span<float> w, float value) => w.Fill(value);
}
