namespace D2LLM.Student;

/// <summary>PMA sizes and form.</summary>
public sealed record PmaOptions(int Dim, int Heads = 32, int Seeds = 1, PmaVariant Variant = PmaVariant.Reference, float LayerNormEps = 1e-5f);
