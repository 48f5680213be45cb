using D2LLM.Student;
using D2LLM.Training;

namespace D2LLM.Pipelines;

/// <summary>What <see cref="StudentDistillation"/> is told besides its models and data.</summary>
public sealed class StudentDistillationOptions
{
    /// <summary>The training hyper-parameters (B, K, learning rate, task, step limit, checkpoint cadence, seed).</summary>
    public DistillationOptions Training { get; set; } = new();

    /// <summary>LoRA + heads (default) or the heads alone on cached states.</summary>
    public StudentTuning Tuning { get; set; } = StudentTuning.Lora;

    /// <summary>LoRA rank (alpha = rank).</summary>
    public int LoraRank { get; set; } = 8;

    /// <summary>Dropout on each adapter's input while training (0 makes a run deterministic across backends).</summary>
    public float LoraDropout { get; set; } = 0.05f;

    public PmaVariant Pma { get; set; } = PmaVariant.Standard;

    public MiningKind Mining { get; set; } = MiningKind.Bm25;

    /// <summary>Use at most this many training queries.</summary>
    public int TrainQueries { get; set; } = int.MaxValue;

    /// <summary>Held-out queries on which agreement with the teacher is measured.</summary>
    public int EvalQueries { get; set; } = 200;

    /// <summary>The whole run's time: training gets what the other stages leave (at least a tenth of it).</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromMinutes(8);

    /// <summary>How a corpus without queries gets them.</summary>
    public PseudoQuerySettings PseudoQueries { get; set; } = new();

    /// <summary>
    /// Where the heads' half of each training step computes (PMA, IEM, the losses): null for the CPU engine; D2LLM.Torch's
    /// <c>TorchHeadsStep</c> puts it on a torch device (<c>--device</c>).
    /// </summary>
    public Func<StudentHeads, DistillationOptions, IHeadsStep>? HeadsStep { get; set; }

    /// <summary>Noted in the student's config (teacher and data paths, say).</summary>
    public Dictionary<string, object?> Provenance { get; set; } = new();
}
