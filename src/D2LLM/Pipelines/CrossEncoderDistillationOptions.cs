using D2LLM.CrossEncoder;
using D2LLM.Losses.Listwise;

namespace D2LLM.Pipelines;

/// <summary>What <see cref="CrossEncoderDistillation"/> is told besides its models and data.</summary>
public sealed class CrossEncoderDistillationOptions
{
    /// <summary>Candidates per training list: the positive and depth − 1 mined.</summary>
    public int Depth { get; set; } = 16;

    /// <summary>The stage-2 loss against the teacher's ranking.</summary>
    public ListwiseLoss Loss { get; set; } = ListwiseLoss.RankNet;

    /// <summary>Share of the training time for stage 1 (labels, LCE).</summary>
    public double LabelShare { get; set; } = 0.2;

    /// <summary>Peak learning rate (default: 1e-3 with full tuning, 3e-4 with LoRA).</summary>
    public float? LearningRate { get; set; }

    public int ListsPerStep { get; set; } = 4;
    public int LoraRank { get; set; } = 8;
    public BackboneTuning Tuning { get; set; } = BackboneTuning.Auto;
    public MiningKind Mining { get; set; } = MiningKind.Bm25;
    public int TrainQueries { get; set; } = int.MaxValue;
    public int EvalQueries { get; set; } = 200;

    /// <summary>Each training stage stops after this many steps (also when its share of the time ends).</summary>
    public int StageSteps { get; set; } = int.MaxValue;

    /// <summary>The whole run's time: training gets what the other stages leave (at least a tenth of it).</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromMinutes(8);

    /// <summary>Targets from the teacher's sliding-window ranking of each list (window 20, stride 10) instead of its yes/no scores.</summary>
    public bool ListwiseTeacher { get; set; }

    public PseudoQuerySettings PseudoQueries { get; set; } = new();

    /// <summary>
    /// Where the head and the listwise loss of each training step compute: null for the CPU engine; D2LLM.Torch's
    /// <c>TorchListStep</c> puts them on a torch device (<c>--device</c>).
    /// </summary>
    public Func<CrossEncoderModel, ListwiseLoss, IListStep>? ListStep { get; set; }

    /// <summary>Noted in the cross-encoder's config.</summary>
    public Dictionary<string, object?> Provenance { get; set; } = new();
}
