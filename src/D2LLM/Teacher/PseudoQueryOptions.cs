namespace D2LLM.Teacher;

/// <summary>Options of <see cref="PseudoQueryGenerator"/>.</summary>
public sealed class PseudoQueryOptions
{
    /// <summary>Keep a query only when the teacher's P(yes) for it and its own passage reaches this.</summary>
    public double MinTeacherScore { get; set; } = 0.5;

    public int MaxNewTokens { get; set; } = 40;
    public float Temperature { get; set; } = 0.7f;
    public float TopP { get; set; } = 0.9f;
    public int Seed { get; set; } = 17;

    /// <summary>Passages per generation batch.</summary>
    public int BatchSize { get; set; } = 8;
}
