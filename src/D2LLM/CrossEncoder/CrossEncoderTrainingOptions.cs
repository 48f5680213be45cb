using D2LLM.Losses.Listwise;

namespace D2LLM.CrossEncoder;

/// <summary>Options of <see cref="CrossEncoderTrainer"/>.</summary>
public sealed class CrossEncoderTrainingOptions
{
    public ListwiseLoss Loss { get; set; } = ListwiseLoss.RankNet;

    /// <summary>Candidate lists (queries) per optimiser step.</summary>
    public int ListsPerStep { get; set; } = 4;

    public float LearningRate { get; set; } = 3e-4f;
    public int WarmupSteps { get; set; } = 20;
    public TimeSpan Budget { get; set; } = TimeSpan.FromMinutes(5);
    public int MaxSteps { get; set; } = int.MaxValue;
    public int Seed { get; set; } = 42;
    public float ClipNorm { get; set; } = 1f;
    /// <summary>
    /// What validation minimises: the training loss on the held-out lists, or 1 − their mean Spearman correlation
    /// between student scores and targets (the agreement a distillation is judged by; for graded targets).
    /// </summary>
    public ValidationMeasure ValidateOn { get; set; } = ValidationMeasure.Loss;

    /// <summary>Validate (with validation lists) every this many steps, and once when training ends.</summary>
    public int ValidateEvery { get; set; } = 200;

    /// <summary>Stop after this many validations without improvement; the best parameters are kept.</summary>
    public int Patience { get; set; } = 10;

    /// <summary>How often the state is saved: by time, since a fully tuned backbone's state (weights and AdamW moments) is large.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);
}
