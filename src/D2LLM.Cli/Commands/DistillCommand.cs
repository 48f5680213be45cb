using System.CommandLine;
using System.Text.Json;
using D2LLM.Data;
using D2LLM.Pipelines;
using D2LLM.Models;
using D2LLM.Student;
using D2LLM.Teacher;
using D2LLM.Training;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm distill</c>: data (BEIR, triplets or pairs) → BM25 or dense hard negatives → backbone states → teacher
/// judgements for every pair the losses need → D2LLM training (heads-only or LoRA + heads) within the time budget →
/// agreement with the teacher on held-out queries. Writes a student folder and a report. Rank-DistiLLM
/// (<c>--method rank-distillm</c>) is <see cref="RankDistillation"/>; sharded teacher scoring is <c>teacher-score</c>.
/// </summary>
internal static class DistillCommand
{
    public static Command Create()
    {
        var teacher = new Option<string>("--teacher") { Description = "teacher model folder", Required = true };
        var backbone = new Option<string>("--backbone") { Description = "student backbone folder (Qwen2/Qwen3)", Required = true };
        var data = new Option<string>("--data") { Description = "a BEIR folder (qrels/train.tsv, qrels/test.tsv), a triplet file or a pair file", Required = true };
        var output = new Option<string>("--out") { Description = "student folder to write (new, empty, or an earlier distill's: it resumes)", Required = true };
        var force = CommonOptions.Force();
        var budget = new Option<double>("--budget-minutes") { Description = "time budget of the whole run; training gets what the other stages leave", DefaultValueFactory = _ => 8 };
        var mining = new Option<string>("--mining") { Description = "bm25 | dense (the backbone's mean-pooled cosine over the whole corpus)", DefaultValueFactory = _ => "bm25" };
        var prompt = new TeacherPromptOptions(defaultTemplate: "d2llm-zh-asym");
        var backboneLayers = new Option<int?>("--backbone-layers") { Description = "use only the backbone's first N layers (faster student)" };
        var trainQueries = new Option<int>("--train-queries") { Description = "use at most this many training queries (default: all)", DefaultValueFactory = _ => int.MaxValue };
        var evalQueries = new Option<int>("--eval-queries") { Description = "held-out queries evaluated", DefaultValueFactory = _ => 200 };
        var lr = new Option<float?>("--lr") { Description = "peak learning rate (default 1e-3 for d2llm; rank-distillm: 3e-4 with LoRA, 1e-3 with full tuning)" };
        var variant = new Option<string>("--pma") { Description = "standard (default: trains better here) | reference (the D2LLM code's form)", DefaultValueFactory = _ => "standard" };
        var hardNegatives = new Option<int>("--hard-negatives") { Description = "K mined negatives per query", DefaultValueFactory = _ => 15 };
        var batchQueries = new Option<int>("--batch-queries") { Description = "B queries per batch", DefaultValueFactory = _ => 16 };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes") { Description = "d2llm: save the training state at least this often (and every 500 steps)", DefaultValueFactory = _ => 1 };
        var maxSteps = new Option<int>("--max-steps") { Description = "d2llm: stop training after this many steps (also when the budget ends first)", DefaultValueFactory = _ => 100_000 };
        var mode = new Option<string>("--mode") { Description = "lora (LoRA + heads, the paper's setting; default) | heads (frozen backbone, cached states: faster, weaker)", DefaultValueFactory = _ => "lora" };
        var loraRank = new Option<int>("--lora-rank") { Description = "LoRA rank (alpha = rank)", DefaultValueFactory = _ => 8 };
        var method = new Option<string>("--method") { Description = "d2llm (bi-encoder student: PMA + IEM; default) | rank-distillm (cross-encoder student, listwise)", DefaultValueFactory = _ => "d2llm" };
        var depth = new Option<int>("--depth") { Description = "rank-distillm: candidates per training list (the positive and depth - 1 mined)", DefaultValueFactory = _ => 16 };
        var listLoss = new Option<string>("--loss") { Description = "rank-distillm stage-2 loss: ranknet | kl | approxndcg | adr-mse | lce", DefaultValueFactory = _ => "ranknet" };
        var labelShare = new Option<double>("--label-share") { Description = "rank-distillm: share of the training budget for stage 1 (labels, LCE)", DefaultValueFactory = _ => 0.2 };
        var pseudoPassages = new Option<int>("--pseudo-queries") { Description = "corpus without queries: passages to write a query for", DefaultValueFactory = _ => 2000 };
        var pseudoMinScore = new Option<double>("--pseudo-min-score") { Description = "keep a pseudo-query when the teacher's P(yes) for its passage reaches this", DefaultValueFactory = _ => 0.5 };
        var generator = new Option<string?>("--generator") { Description = "model that writes pseudo-queries (default: the teacher)" };
        var iemTask = new Option<string>("--task") { Description = "d2llm: which IEM branch the student trains: auto (symmetric for a pair file, asymmetric otherwise) | symmetric | asymmetric; a symmetric task is judged with d2llm-zh-sym unless a prompt is given or the teacher folder declares one", DefaultValueFactory = _ => "auto" };
        var teacherMode = new Option<string>("--teacher-mode") { Description = "rank-distillm targets: pointwise (yes/no scores; default) | listwise (the teacher's sliding-window ranking, window 20, stride 10)", DefaultValueFactory = _ => "pointwise" };
        var tuning = new Option<string>("--tuning") { Description = "rank-distillm: auto (default: full up to 100M backbone parameters, else lora) | lora (adapters) | full (every backbone tensor and the embedding, as Rank-DistiLLM fine-tunes ELECTRA)", DefaultValueFactory = _ => "auto" };
        var listsPerStep = new Option<int>("--lists-per-step") { Description = "rank-distillm: candidate lists per optimiser step", DefaultValueFactory = _ => 4 };
        var cmd = new Command("distill", """
            Distil a local Qwen teacher into a D2LLM student (backbone + PMA + IEM), then report how well the student
            agrees with the teacher on held-out queries. Data: a BEIR folder (train/test qrels), a triplet file
            ({"query", "pos", "neg"} lines; given negatives come first) or a pair file (label 1, or an STS score of at
            least 80% of the top, marks a relevant pair; a symmetric task, see --task); files hold out ~10% of
            queries by a stable hash. The teacher judges with --template, else its folder's declared prompt, else the
            task's D2LLM prompt (d2llm-zh-asym, or d2llm-zh-sym for a symmetric task). A corpus alone (corpus.jsonl
            without queries, or {"text"} lines) gets pseudo-queries: the teacher (or --generator) writes one per
            sampled passage and keeps those it judges relevant to their passage. The stages:
              1. mine   - top-K hard negatives for each training query (--mining bm25 | dense; known positives removed);
              2. states - the backbone's token states for every text (computed once in --mode heads);
              3. judge  - the teacher scores every (query, passage) pair the losses need: each query's positive,
                          its K negatives and the other positives of its batch; one shared-prefix pass per query;
                          stored in OUT/teacher-judgements.bin, so an interrupted run never scores a pair twice
                          (keyed on the teacher's weights digest and prompt: another teacher's are refused);
              4. train  - the five D2LLM losses (contrastive, teacher-weighted contrastive, Pearson and BPR rank
                          imitation, feature imitation) in what --budget-minutes leaves (at most --max-steps),
                          validation on 5% of batches, early stopping, checkpoints in OUT/trainer.safetensors every
                          500 steps or --checkpoint-minutes (rerun the command to resume; a checkpoint of other data
                          or options is refused, naming what differs);
              5. report - Spearman(student, teacher) over each held-out query's 16 first-stage candidates, next to the
                          backbone's mean-pooled cosine; OUT/report.json.
            OUT becomes a student folder: embed with `d2llm embed --model OUT`.
            --method rank-distillm trains a cross-encoder instead (query + separator + passage through the backbone,
            a linear head on the last state; --tuning: the whole backbone up to 100M parameters, LoRA above):
            stage 1 on labels (LCE, the positive against 7 mined negatives), stage 2 on the teacher's ranking of
            each query's --depth candidates (--loss, RankNet by default); it reports agreement with the teacher and
            the student's speed next to the teacher's.
            """)
        {
            teacher, backbone, backboneLayers, data, output, force, budget, mining, trainQueries, evalQueries, lr, variant, hardNegatives, batchQueries, maxSteps, checkpointMinutes, mode, loraRank, iemTask,
            method, depth, listLoss, labelShare, listsPerStep, tuning, pseudoPassages, pseudoMinScore, generator, teacherMode,
        };
        prompt.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            using var claimed = OutputFolder.Claim(r.GetValue(output)!, "distill", r.GetValue(force));
            switch (r.GetValue(method))
            {
                case "rank-distillm":
                    return RankDistillation.Run(r.GetValue(teacher)!, prompt.Resolve(r, r.GetValue(teacher)!), r.GetValue(backbone)!, r.GetValue(backboneLayers),
                        r.GetValue(data)!, r.GetValue(output)!, r.GetValue(generator), new CrossEncoderDistillationOptions
                        {
                            Depth = r.GetValue(depth), Loss = Losses.Listwise.Listwise.Parse(r.GetValue(listLoss)!), LabelShare = r.GetValue(labelShare),
                            LearningRate = r.GetValue(lr), ListsPerStep = r.GetValue(listsPerStep), LoraRank = r.GetValue(loraRank),
                            Tuning = r.GetValue(tuning) switch
                            {
                                "auto" => BackboneTuning.Auto,
                                "lora" => BackboneTuning.Lora,
                                "full" => BackboneTuning.Full,
                                var other => throw new ArgumentException($"--tuning: unknown tuning '{other}' (auto, lora, full)"),
                            },
                            Mining = Mining(r.GetValue(mining)!), TrainQueries = r.GetValue(trainQueries), EvalQueries = r.GetValue(evalQueries),
                            Budget = TimeSpan.FromMinutes(r.GetValue(budget)),
                            ListwiseTeacher = r.GetValue(teacherMode) switch
                            {
                                "pointwise" => false,
                                "listwise" => true,
                                var other => throw new ArgumentException($"--teacher-mode: unknown mode '{other}' (pointwise, listwise)"),
                            },
                            PseudoQueries = new Pipelines.PseudoQuerySettings(r.GetValue(pseudoPassages), r.GetValue(pseudoMinScore)),
                            Provenance = new() { ["teacher"] = Path.GetFullPath(r.GetValue(teacher)!), ["data"] = r.GetValue(data) },
                        });
                case "d2llm":
                    break;
                default:
                    throw new ArgumentException($"--method: unknown method '{r.GetValue(method)}' (d2llm, rank-distillm)");
            }

            var loaded = RetrievalTask.Load(r.GetValue(data)!);
            var options = new StudentDistillationOptions
            {
                Training = new DistillationOptions
                {
                    LearningRate = r.GetValue(lr) ?? 1e-3f, HardNegatives = r.GetValue(hardNegatives), BatchQueries = r.GetValue(batchQueries),
                    CheckpointInterval = TimeSpan.FromMinutes(Math.Max(0, r.GetValue(checkpointMinutes))),
                    MaxSteps = r.GetValue(maxSteps) > 0 ? r.GetValue(maxSteps) : throw new ArgumentException($"--max-steps: must be positive, got {r.GetValue(maxSteps)}"),
                    Task = r.GetValue(iemTask) switch
                    {
                        "auto" => loaded.Symmetric ? IemTask.Symmetric : IemTask.Asymmetric,
                        "symmetric" => IemTask.Symmetric,
                        "asymmetric" => IemTask.Asymmetric,
                        var other => throw new ArgumentException($"--task: unknown task '{other}' (auto, symmetric, asymmetric)"),
                    },
                },
                Tuning = r.GetValue(mode) switch
                {
                    "heads" => StudentTuning.Heads,
                    "lora" => StudentTuning.Lora,
                    var other => throw new ArgumentException($"--mode: unknown mode '{other}' (heads, lora)"),
                },
                LoraRank = r.GetValue(loraRank),
                Pma = r.GetValue(variant) switch
                {
                    "standard" => PmaVariant.Standard,
                    "reference" => PmaVariant.Reference,
                    var other => throw new ArgumentException($"--pma: unknown form '{other}' (standard, reference)"),
                },
                Mining = Mining(r.GetValue(mining)!),
                TrainQueries = r.GetValue(trainQueries), EvalQueries = r.GetValue(evalQueries), Budget = TimeSpan.FromMinutes(r.GetValue(budget)),
                Provenance = new() { ["teacher"] = Path.GetFullPath(r.GetValue(teacher)!), ["data"] = r.GetValue(data) },
            };
            using var teacherModel = Backbones.LoadDecoder(r.GetValue(teacher)!);
            var judge = new TeacherModel(teacherModel, prompt.Resolve(r, r.GetValue(teacher)!, options.Training.Task == IemTask.Symmetric ? "d2llm-zh-sym" : null));
            using var generatorModel = r.GetValue(generator) is { } generatorDir ? Backbones.LoadDecoder(generatorDir) : null;
            options.PseudoQueries = new Pipelines.PseudoQuerySettings(r.GetValue(pseudoPassages), r.GetValue(pseudoMinScore), generatorModel);
            using var backboneModel = Backbones.Load(r.GetValue(backbone)!, new ModelLoadOptions { Layers = r.GetValue(backboneLayers) });
            var result = PipelineDisplay.Run(progress => StudentDistillation.Run(judge, backboneModel, loaded, r.GetValue(output)!, options, progress));
            var report = new
            {
                method = "d2llm", mode = r.GetValue(mode), task = result.Task, template = result.Template, teacher = r.GetValue(teacher), backbone = r.GetValue(backbone),
                data = r.GetValue(data), train_examples = result.TrainExamples, steps = result.Steps, steps_this_run = result.StepsThisRun,
                eval_queries = result.EvalQueries, mining = r.GetValue(mining), judgements_total = result.JudgementsTotal,
                judgements_stored_before = result.JudgementsStoredBefore, judgements_scored_this_run = result.JudgementsScoredThisRun,
                spearman_vs_teacher = result.SpearmanVsTeacher, spearman_vs_teacher_untrained = result.SpearmanVsTeacherUntrained,
                spearman_vs_teacher_backbone_mean_cosine = result.SpearmanVsTeacherBackboneMeanCosine, final_loss = result.FinalLoss, seconds = result.Seconds,
            };
            File.WriteAllText(Path.Combine(r.GetValue(output)!, "report.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine(JsonSerializer.Serialize(report));
            return 0;
        }));
        return cmd;
    }

    /// <summary>The --mining flag's miner.</summary>
    internal static MiningKind Mining(string name) => name switch
    {
        "bm25" => MiningKind.Bm25,
        "dense" => MiningKind.Dense,
        _ => throw new ArgumentException($"--mining: unknown miner '{name}' (bm25, dense)"),
    };
}
