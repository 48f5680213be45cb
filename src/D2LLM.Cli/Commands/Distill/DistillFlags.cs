using System.CommandLine;
using D2LLM.Data;
using D2LLM.Losses.Listwise;
using D2LLM.Pipelines;
using D2LLM.Student;
using D2LLM.Training;
using D2LLM.Torch.Heads;

namespace D2LLM.Cli.Commands.Distill;

/// <summary>The flags of <c>distill</c> and what they mean as the library's options objects.</summary>
internal sealed class DistillFlags
{
    public Option<string> Teacher { get; } = new("--teacher") { Description = "teacher model folder", Required = true };
    public Option<string> Backbone { get; } = new("--backbone") { Description = "student backbone folder (Qwen2/Qwen3)", Required = true };
    public Option<string> Data { get; } = new("--data") { Description = "a BEIR folder (qrels/train.tsv, qrels/test.tsv), a triplet file or a pair file", Required = true };
    public Option<string> Output { get; } = new("--out") { Description = "student folder to write (new, empty, or an earlier distill's: it resumes)", Required = true };
    public Option<bool> Force { get; } = CommonOptions.Force();
    public Option<double> Budget { get; } = new("--budget-minutes") { Description = "time budget of the whole run; training gets what the other stages leave", DefaultValueFactory = _ => 8 };
    public Option<string> Mining { get; } = new("--mining") { Description = "bm25 | dense (the backbone's mean-pooled cosine over the whole corpus)", DefaultValueFactory = _ => "bm25" };
    public TeacherPromptOptions Prompt { get; } = new(defaultTemplate: "d2llm-zh-asym");
    public Option<int?> BackboneLayers { get; } = new("--backbone-layers") { Description = "use only the backbone's first N layers (faster student)" };
    public Option<int> TrainQueries { get; } = new("--train-queries") { Description = "use at most this many training queries (default: all)", DefaultValueFactory = _ => int.MaxValue };
    public Option<int> EvalQueries { get; } = new("--eval-queries") { Description = "held-out queries evaluated", DefaultValueFactory = _ => 200 };
    public Option<float?> LearningRate { get; } = new("--lr") { Description = "peak learning rate (default 1e-3 for d2llm; rank-distillm: 3e-4 with LoRA, 1e-3 with full tuning)" };
    public Option<string> Pma { get; } = new("--pma") { Description = "standard (default: trains better here) | reference (the D2LLM code's form)", DefaultValueFactory = _ => "standard" };
    public Option<int> HardNegatives { get; } = new("--hard-negatives") { Description = "K mined negatives per query", DefaultValueFactory = _ => 15 };
    public Option<int> BatchQueries { get; } = new("--batch-queries") { Description = "B queries per batch", DefaultValueFactory = _ => 16 };
    public Option<double> CheckpointMinutes { get; } = new("--checkpoint-minutes") { Description = "d2llm: save the training state at least this often (and every 500 steps)", DefaultValueFactory = _ => 1 };
    public Option<int> MaxSteps { get; } = new("--max-steps") { Description = "d2llm: stop training after this many steps (also when the budget ends first)", DefaultValueFactory = _ => 100_000 };
    public Option<string> Mode { get; } = new("--mode") { Description = "lora (LoRA + heads, the paper's setting; default) | heads (frozen backbone, cached states: faster, weaker)", DefaultValueFactory = _ => "lora" };
    public Option<int> LoraRank { get; } = new("--lora-rank") { Description = "LoRA rank (alpha = rank)", DefaultValueFactory = _ => 8 };
    public Option<string> Method { get; } = new("--method") { Description = "d2llm (bi-encoder student: PMA + IEM; default) | rank-distillm (cross-encoder student, listwise)", DefaultValueFactory = _ => "d2llm" };
    public Option<int> Depth { get; } = new("--depth") { Description = "rank-distillm: candidates per training list (the positive and depth - 1 mined)", DefaultValueFactory = _ => 16 };
    public Option<string> ListLoss { get; } = new("--loss") { Description = "rank-distillm stage-2 loss: ranknet | kl | approxndcg | adr-mse | lce", DefaultValueFactory = _ => "ranknet" };
    public Option<double> LabelShare { get; } = new("--label-share") { Description = "rank-distillm: share of the training budget for stage 1 (labels, LCE)", DefaultValueFactory = _ => 0.2 };
    public Option<int> PseudoPassages { get; } = new("--pseudo-queries") { Description = "corpus without queries: passages to write a query for", DefaultValueFactory = _ => 2000 };
    public Option<double> PseudoMinScore { get; } = new("--pseudo-min-score") { Description = "keep a pseudo-query when the teacher's P(yes) for its passage reaches this", DefaultValueFactory = _ => 0.5 };
    public Option<string?> Generator { get; } = new("--generator") { Description = "model that writes pseudo-queries (default: the teacher)" };
    public Option<string> IemTaskFlag { get; } = new("--task") { Description = "d2llm: which IEM branch the student trains: auto (symmetric for a pair file, asymmetric otherwise) | symmetric | asymmetric; a symmetric task is judged with d2llm-zh-sym unless a prompt is given or the teacher folder declares one", DefaultValueFactory = _ => "auto" };
    public Option<string> TeacherMode { get; } = new("--teacher-mode") { Description = "rank-distillm targets: pointwise (yes/no scores; default) | listwise (the teacher's sliding-window ranking, window 20, stride 10)", DefaultValueFactory = _ => "pointwise" };
    public Option<string> Tuning { get; } = new("--tuning") { Description = "rank-distillm: auto (default: full up to 100M backbone parameters, else lora) | lora (adapters) | full (every backbone tensor and the embedding, as Rank-DistiLLM fine-tunes ELECTRA)", DefaultValueFactory = _ => "auto" };
    public Option<int> ListsPerStep { get; } = new("--lists-per-step") { Description = "rank-distillm: candidate lists per optimiser step", DefaultValueFactory = _ => 4 };

    public DeviceOption Device { get; } = new();

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[]
        {
            Teacher, Backbone, BackboneLayers, Data, Output, Force, Budget, Mining, TrainQueries, EvalQueries, LearningRate, Pma, HardNegatives, BatchQueries, MaxSteps,
            CheckpointMinutes, Mode, LoraRank, IemTaskFlag, Method, Depth, ListLoss, LabelShare, ListsPerStep, Tuning, PseudoPassages, PseudoMinScore, Generator, TeacherMode,
        })
            command.Options.Add(option);
        Prompt.AddTo(command);
        Device.AddTo(command);
    }

    /// <summary>--method rank-distillm's options (the pseudo-query generator is loaded by the caller).</summary>
    public CrossEncoderDistillationOptions CrossEncoderOptions(ParseResult r) => new()
    {
        Depth = r.GetValue(Depth), Loss = Listwise.Parse(r.GetValue(ListLoss)!), LabelShare = r.GetValue(LabelShare),
        LearningRate = r.GetValue(LearningRate), ListsPerStep = r.GetValue(ListsPerStep), LoraRank = r.GetValue(LoraRank),
        Tuning = FlagChoice.Parse("--tuning", "tuning", r.GetValue(Tuning)!, ("auto", BackboneTuning.Auto), ("lora", BackboneTuning.Lora), ("full", BackboneTuning.Full)),
        Mining = MiningOf(r.GetValue(Mining)!), TrainQueries = r.GetValue(TrainQueries), EvalQueries = r.GetValue(EvalQueries), Budget = TimeSpan.FromMinutes(r.GetValue(Budget)),
        ListwiseTeacher = FlagChoice.Parse("--teacher-mode", "mode", r.GetValue(TeacherMode)!, ("pointwise", false), ("listwise", true)),
        PseudoQueries = new PseudoQuerySettings(r.GetValue(PseudoPassages), r.GetValue(PseudoMinScore)),
        ListStep = Device.Torch(r) is { } torch ? (model, loss) => new TorchListStep(model, loss, torch) : null,
        Provenance = Provenance(r),
    };

    /// <summary>--method d2llm's options for <paramref name="data"/> (its kind decides the IEM task under --task auto).</summary>
    public StudentDistillationOptions StudentOptions(ParseResult r, RetrievalTask data) => new()
    {
        Training = new DistillationOptions
        {
            LearningRate = r.GetValue(LearningRate) ?? 1e-3f, HardNegatives = r.GetValue(HardNegatives), BatchQueries = r.GetValue(BatchQueries),
            CheckpointInterval = TimeSpan.FromMinutes(Math.Max(0, r.GetValue(CheckpointMinutes))),
            MaxSteps = r.GetValue(MaxSteps) > 0 ? r.GetValue(MaxSteps) : throw new ArgumentException($"--max-steps: must be positive, got {r.GetValue(MaxSteps)}"),
            Task = FlagChoice.Parse("--task", "task", r.GetValue(IemTaskFlag)!,
                ("auto", data.Symmetric ? IemTask.Symmetric : IemTask.Asymmetric), ("symmetric", IemTask.Symmetric), ("asymmetric", IemTask.Asymmetric)),
        },
        Tuning = FlagChoice.Parse("--mode", "mode", r.GetValue(Mode)!, ("heads", StudentTuning.Heads), ("lora", StudentTuning.Lora)),
        LoraRank = r.GetValue(LoraRank),
        Pma = FlagChoice.Parse("--pma", "form", r.GetValue(Pma)!, ("standard", PmaVariant.Standard), ("reference", PmaVariant.Reference)),
        HeadsStep = Device.Torch(r) is { } torch ? (heads, training) => new TorchHeadsStep(heads, training, torch) : null,
        Mining = MiningOf(r.GetValue(Mining)!),
        TrainQueries = r.GetValue(TrainQueries), EvalQueries = r.GetValue(EvalQueries), Budget = TimeSpan.FromMinutes(r.GetValue(Budget)),
        Provenance = Provenance(r),
    };

    /// <summary>The --mining flag's miner (mine takes the same flag).</summary>
    internal static MiningKind MiningOf(string name) => FlagChoice.Parse("--mining", "miner", name, ("bm25", MiningKind.Bm25), ("dense", MiningKind.Dense));

    private Dictionary<string, object?> Provenance(ParseResult r) => new() { ["teacher"] = Path.GetFullPath(r.GetValue(Teacher)!), ["data"] = r.GetValue(Data) };
}
