namespace D2LLM.Models.Generation;

/// <summary>
/// Picks the next token from a row of logits: greedy (argmax, first on ties, as torch.argmax) at temperature 0;
/// otherwise softmax(logits / T), cut to the smallest set of most likely tokens whose mass reaches top-p,
/// renormalised and sampled (in vocabulary order, from the seeded generator).
/// </summary>
public sealed class TokenSampler(float temperature, float topP, int seed)
{
    private readonly Random _rng = new(seed);

    public int Next(ReadOnlySpan<float> logits)
    {
        if (temperature <= 0) return Argmax(logits);
        float max = float.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        var p = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += p[i] = Math.Exp((logits[i] - max) / temperature);

        // The nucleus is {i : p_i ≥ τ} for the largest τ whose set still holds top-p of the mass: found by bisection
        // over τ (no sort of the vocabulary); equal to the sorted-prefix definition up to ties at τ.
        double threshold = 0;
        if (topP < 1)
        {
            double lo = 0, hi = 1; // p is scaled so that its maximum is exactly 1
            for (int iteration = 0; iteration < 50; iteration++)
            {
                double mid = (lo + hi) / 2, mass = 0;
                foreach (var x in p)
                    if (x >= mid) mass += x;
                if (mass >= topP * sum) lo = mid;
                else hi = mid;
            }

            threshold = lo;
        }

        double kept = 0;
        foreach (var x in p)
            if (x >= threshold) kept += x;
        double u = _rng.NextDouble() * kept;
        int last = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] < threshold) continue;
            last = i;
            u -= p[i];
            if (u <= 0) return i;
        }

        return last;
    }

    public static int Argmax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }
}
