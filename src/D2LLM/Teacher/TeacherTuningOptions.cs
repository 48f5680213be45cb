namespace D2LLM.Teacher;

/// <summary>Options of <see cref="TeacherFineTuner"/>.</summary>
public sealed class TeacherTuningOptions
{
    public TeacherTuningMode Mode { get; set; } = TeacherTuningMode.Lora;
    public int LoraRank { get; set; } = 16;
    public float LoraDropout { get; set; } = 0.05f;

    /// <summary>Peak learning rate (default: 2e-4 for LoRA, 5e-5 for full fine-tuning).</summary>
    public float? LearningRate { get; set; }

    public int BatchSize { get; set; } = 16;
    public int Epochs { get; set; } = 1;
    public TimeSpan? Budget { get; set; }
    public int Seed { get; set; } = 13;
    public float ClipNorm { get; set; } = 1f;

    /// <summary>With a checkpoint path: save every this many steps …</summary>
    public int CheckpointEvery { get; set; } = 200;

    /// <summary>… and when this much time has passed since the last save (a large teacher's steps are slow).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    internal float PeakLearningRate => LearningRate ?? (Mode == TeacherTuningMode.Lora ? 2e-4f : 5e-5f);
}
