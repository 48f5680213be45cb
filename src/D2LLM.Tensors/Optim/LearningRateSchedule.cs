namespace D2LLM.Tensors.Optim;

/// <summary>
/// Linear warm-up from 0 to the peak over <c>warmupSteps</c>, then constant, linear or cosine decay to
/// peak·minRatio at <c>totalSteps</c>. Steps are 0-based: step s uses lr(s).
/// </summary>
public sealed class LearningRateSchedule(float peak, int warmupSteps, int totalSteps, DecayShape shape, float minRatio = 0f)
{
    public float Peak { get; } = peak;

    public float At(int step)
    {
        if (step < warmupSteps) return Peak * (step + 1) / warmupSteps;
        if (shape == DecayShape.Constant) return Peak;
        float progress = Math.Clamp((float)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps), 0f, 1f);
        float floor = Peak * minRatio;
        return shape == DecayShape.Linear
            ? Peak - (Peak - floor) * progress
            : floor + (Peak - floor) * 0.5f * (1f + MathF.Cos(MathF.PI * progress));
    }
}
