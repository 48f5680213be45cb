namespace D2LLM.Losses.Listwise;

/// <summary>
/// Q candidate lists of n passages each, row-major: student scores s[q·n + j] and teacher targets t[q·n + j], higher
/// is better (for teacher ranks, t = depth − rank + 1; for teacher scores, the scores). Every listwise loss returns
/// its value and adds ∂L/∂s into the gradient span it is given (none when empty).
/// </summary>
public readonly record struct ListBatch(int Lists, int Size)
{
    public int Length => Lists * Size;

    public void Check(ReadOnlySpan<float> scores, ReadOnlySpan<float> targets, Span<float> dScores)
    {
        if (scores.Length != Length || targets.Length != Length) throw new ArgumentException($"expected {Lists} lists of {Size}: {Length} scores and targets");
        if (!dScores.IsEmpty && dScores.Length != Length) throw new ArgumentException("the gradient has the scores' length");
    }
}
