namespace D2LLM.CrossEncoder;

/// <summary>What <see cref="CrossEncoderTrainer"/> validates on.</summary>
public enum ValidationMeasure
{
    Loss,
    Disagreement,
}
