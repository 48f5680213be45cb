using D2LLM.Student;

namespace D2LLM.Training;

/// <summary>Hyper-parameters of D2LLM distillation (docs/method.md A.5–A.6 defaults where they apply).</summary>
public sealed class DistillationOptions
{
    /// <summary>Tokens of a text the backbone reads during distillation (mining, states, training, agreement); the rest is cut.</summary>
    public const int TextTokens = 250;

    public int BatchQueries { get; set; } = 16;
    public int HardNegatives { get; set; } = 8;
    public float LearningRate { get; set; } = 1e-3f;
    public int WarmupSteps { get; set; } = 50;
    public int MaxSteps { get; set; } = 100_000;
    public TimeSpan Budget { get; set; } = TimeSpan.FromMinutes(8);
    public int Seed { get; set; } = 2023;
    public float TauInBatch { get; set; } = 1f;
    public float TauHard { get; set; } = 1f;
    public float Alpha { get; set; } = 1f;
    public float Beta { get; set; } = 1f;
    public float Gamma { get; set; } = 0.01f;
    public float Eta { get; set; } = 0.001f;
    public float Lambda { get; set; } = 1f;
    public float ClipNorm { get; set; } = 1f;
    public IemTask Task { get; set; } = IemTask.Asymmetric;

    /// <summary>Save a checkpoint every this many steps (with a checkpoint path).</summary>
    public int CheckpointEvery { get; set; } = 500;

    /// <summary>Save a checkpoint also when this much time has passed since the last one, so a short run of slow steps keeps its work.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Compute the validation (in-batch) loss every this many steps.</summary>
    public int ValidateEvery { get; set; } = 250;

    /// <summary>Stop after this many validations without improvement; the best parameters are kept.</summary>
    public int Patience { get; set; } = 5;

    /// <summary>A copy to adjust (a pipeline sets the training budget on its own copy).</summary>
    public DistillationOptions Copy() => (DistillationOptions)MemberwiseClone();
}
