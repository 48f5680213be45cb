namespace D2LLM.Student;

/// <summary>Sizes of the D2LLM heads over a backbone of width <see cref="Dim"/>.</summary>
/// <remarks>
/// Standard PMA is the default: on lcqmc-ir with teacher-zh-a (heads-only, K = 15, 3-minute budget, same seed) it
/// reached Spearman 0.506 against the teacher vs 0.480 for the reference form (README, "Distilling a student").
/// </remarks>
public sealed record HeadsOptions(int Dim, int PmaHeads = 8, int IemHidden = 512, PmaVariant Variant = PmaVariant.Standard, int Seed = 2023);
