namespace D2LLM.Teacher;

/// <summary>One teacher judgement: the yes/no logits, P(yes) = sigmoid((yes − no)/T), and optionally the
/// final-normed hidden state at the prompt's last position (the teacher feature for feature imitation).</summary>
public sealed record TeacherScore(float YesLogit, float NoLogit, double Probability, float[]? Feature);
