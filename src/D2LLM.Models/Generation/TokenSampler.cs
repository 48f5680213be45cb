namespace D2LLM.Models.Generation;

/// <summary>
/// Picks the next token from a row of logits: greedy (argmax, first on ties, as torch.argmax) at temperature 0;
/// otherwise softmax(logits / T), cut to the smallest set of most likely tokens whose mass reaches top-p,
/// renormalised and sampled.
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
        var order = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ToArray();
        double kept = 0;
        int count = 0;
        while (count < order.Length && (count == 0 || kept < topP * sum)) kept += p[order[count++]];
        double u = _rng.NextDouble() * kept;
        for (int i = 0; i < count; i++)
        {
            u -= p[order[i]];
            if (u <= 0) return order[i];
        }

        return order[count - 1];
    }

    public static int Argmax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }
}
