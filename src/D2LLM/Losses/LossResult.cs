namespace D2LLM.Losses;

/// <summary>
/// Shapes of one D2LLM micro-batch, as the losses see it (docs/method.md A.5): B queries, each with its positive and
/// K hard negatives. Zin[i, j] = IEM(query i, positive j) (B×B); Zh[i, c] = IEM(query i, candidate c), c = 0 the
/// positive, 1..K the hard negatives (B×(K+1)); Sh and Sin are the teacher's P(yes) for the same pairs.
/// Every loss returns its value and adds ∂L/∂input into the gradient arrays it is given.
/// </summary>
public readonly record struct BatchShape(int B, int K)
{
    public int Candidates => K + 1;
}
