using System.Diagnostics;
using D2LLM.CrossEncoder;
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Losses.Listwise;
using D2LLM.Mining;
using D2LLM.Models;
using D2LLM.Teacher;
using D2LLM.Training;

namespace D2LLM.Pipelines;

/// <summary>
/// Rank-DistiLLM on our decoders: a cross-encoder student trained in two stages (docs/method.md B.5) — on labels with hard
/// negatives (LCE: the positive against 7 mined negatives), then on the teacher's ranking of each training query's
/// candidate list (the positive and depth − 1 mined candidates; targets t = depth − rank + 1; RankNet by default),
/// each stage ending with its best parameters on 5% held-out lists (stage 1 by loss, stage 2 by Spearman agreement
/// with the teacher's targets) — and measured by Spearman agreement with the teacher on held-out queries, with its
/// speed next to the teacher's. Judgements, listwise rankings and each stage's checkpoint stay in the output folder,
/// so a rerun resumes.
/// </summary>
public static class CrossEncoderDistillation
{
    /// <summary>Backbones up to this size train fully by default: 16 bytes a parameter (weights, gradients, AdamW moments) stay under 1.6 GB.</summary>
    public const long FullTuningLimit = 100_000_000;

    /// <param name="teacher">the judge</param>
    /// <param name="backbone">the student's backbone, loaded from its folder (all its layers, or the first N)</param>
    /// <param name="data">training and held-out queries over a corpus (or a corpus alone)</param>
    /// <param name="outDir">the cross-encoder folder to write</param>
    /// <param name="options">recipe options</param>
    /// <param name="progress">stage counts and log lines</param>
    /// <param name="cancellationToken">stops between queries and steps; what is stored stays for a rerun</param>
    public static CrossEncoderDistillationReport Run(TeacherModel teacher, IBackbone backbone, RetrievalTask data, string outDir, CrossEncoderDistillationOptions options,
        IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var task = PseudoQueryStage.Ensure(data, outDir, teacher, options.PseudoQueries, progress);
        Log($"data: {task.Corpus.Count} texts, {task.Train.Count} train / {task.Test.Count} held-out queries");
        var miner = PipelineStages.Miner(options.Mining, task, backbone, progress);
        var examples = PipelineStages.Mine(task, miner, options.Depth - 1, options.TrainQueries, progress);
        var evaluation = CandidateMiner.Evaluation(task, miner, depth: 16, options.EvalQueries);
        if (examples.Count < options.ListsPerStep) throw new InvalidDataException($"{task.Source}: only {examples.Count} training queries with {options.Depth - 1} candidates");
        Log($"{examples.Count} training lists of {options.Depth}, {evaluation.Count} evaluation lists of 16");

        var groups = examples.Select(e => (e.Query, (IReadOnlyList<string>)e.Negatives.Prepend(e.Positive).ToList()))
            .Concat(evaluation.Select(e => (e.Query, (IReadOnlyList<string>)e.Candidates)));
        using var judgements = PipelineStages.Judge(outDir, teacher, groups, progress, cancellationToken, out int storedBefore);

        string tuning = options.Tuning switch
        {
            BackboneTuning.Lora => "lora",
            BackboneTuning.Full => "full",
            _ => backbone.ParameterCount <= FullTuningLimit ? "full" : "lora",
        };
        float learningRate = options.LearningRate ?? (tuning == "full" ? 1e-3f : 3e-4f);
        Log($"backbone tuning: {tuning} ({backbone.ParameterCount / 1e6:F1}M backbone parameters), learning rate {learningRate:G}");
        var config = new CrossEncoderConfig
        {
            Backbone = Path.GetFullPath(backbone.Directory ?? throw new ArgumentException("the backbone must be loaded from a folder (the student names it)", nameof(backbone))),
            BackboneLayers = backbone.LayerCount < backbone.ConfiguredLayers ? backbone.LayerCount : null, Tuning = tuning, LoraRank = options.LoraRank, LoraAlpha = options.LoraRank,
            Provenance = new(options.Provenance) { ["method"] = "rank-distillm", ["loss"] = options.Loss.ToString() },
        };
        var student = CrossEncoderModel.Create(backbone, config); // not disposed here: disposing it releases the caller's backbone
        var heldOut = evaluation.Select(e => (e.Query, (IReadOnlyList<string>)e.Candidates)).ToList();
        double Agreement() => TeacherAgreement.Spearman((q, candidates) => student.Score(q, candidates).Select(x => (double)x).ToList(), judgements, heldOut);
        var measuring = Stopwatch.StartNew();
        double before = Agreement();
        var left = options.Budget - clock.Elapsed - measuring.Elapsed * 1.3 - TimeSpan.FromSeconds(20);
        var training = left > options.Budget / 10 ? left : options.Budget / 10;
        Log($"untrained agreement {before:F3}; training budget {training.TotalMinutes:F1} minutes ({options.LabelShare:P0} on labels)");

        // Stage 1 lists: the positive and up to 7 mined negatives (B.5), one-hot targets.
        int labelSize = Math.Min(8, options.Depth);
        var labelLists = examples.Select(e => new CandidateList(e.Query, e.Negatives.Take(labelSize - 1).Prepend(e.Positive).ToList(),
            Enumerable.Range(0, labelSize).Select(i => i == 0 ? 1f : 0f).ToArray())).ToList();
        var teacherLists = examples.Select(e =>
        {
            var passages = e.Negatives.Prepend(e.Positive).ToList();
            return new CandidateList(e.Query, passages, CandidateList.RankTargets(passages.Select(p => judgements[e.Query, p].Probability).ToList()));
        }).ToList();
        if (options.ListwiseTeacher) teacherLists = ListwiseTargets(teacher, teacherLists, Path.Combine(outDir, "listwise-rankings.jsonl"), progress, cancellationToken);

        Stage("stage1-labels", labelLists, ListwiseLoss.Lce, training * options.LabelShare);
        Stage("stage2-teacher", teacherLists, options.Loss, training * (1 - options.LabelShare));
        double after = Agreement();
        student.Save(outDir);

        // Efficiency: the same held-out candidates scored by the student and by the teacher (shared-prefix prompts).
        var timer = Stopwatch.StartNew();
        foreach (var e in evaluation) student.Score(e.Query, e.Candidates);
        double studentSeconds = timer.Elapsed.TotalSeconds;
        timer.Restart();
        foreach (var e in evaluation) teacher.ScoreCandidates(e.Query, e.Candidates);
        double teacherSeconds = timer.Elapsed.TotalSeconds;
        int pairs = evaluation.Sum(e => e.Candidates.Count);
        double studentMb = backbone.WeightBytes / 1e6, teacherMb = teacher.Model.WeightBytes / 1e6;
        Log($"spearman vs teacher: untrained {before:F3}, trained {after:F3}; student {pairs / studentSeconds:F0} pairs/s, teacher {pairs / teacherSeconds:F0} pairs/s; weights in memory {studentMb:F1} MB vs {teacherMb:F1} MB");
        return new CrossEncoderDistillationReport(tuning, learningRate, teacherLists.Count, evaluation.Count, judgements.Count, storedBefore, judgements.Scored,
            after, before, pairs / studentSeconds, pairs / teacherSeconds, studentMb, teacherMb, clock.Elapsed.TotalSeconds);

        // Every 20th training list is held out: its measure picks the parameters each stage ends with (early stopping).
        void Stage(string name, IReadOnlyList<CandidateList> all, ListwiseLoss loss, TimeSpan budget)
        {
            var lists = all.Where((_, i) => i % 20 != 19).ToList();
            var validation = all.Where((_, i) => i % 20 == 19).ToList();
            // Graded teacher targets: keep the parameters that agree best with the teacher, which is what is asked of them.
            var measure = loss == ListwiseLoss.Lce ? ValidationMeasure.Loss : ValidationMeasure.Disagreement;
            string measureName = measure == ValidationMeasure.Loss ? loss.ToString() : "1 - Spearman";
            var trainer = new CrossEncoderTrainer(student, new CrossEncoderTrainingOptions
            {
                Loss = loss, Budget = budget, MaxSteps = options.StageSteps, LearningRate = learningRate, ListsPerStep = options.ListsPerStep, ValidateOn = measure,
            }, options.ListStep?.Invoke(student, loss));
            var losses = trainer.Train(lists, Path.Combine(outDir, $"{name}.safetensors"), (step, value) => { if (step % 1000 == 0) Log($"{name} step {step}: {loss} {value:F4}"); },
                validation, (step, value, best) => Log($"{name} step {step}: validation {measureName} {value:F4} (best {best:F4})"), cancellationToken);
            Log($"{name}: {trainer.CompletedSteps} steps{(losses.Count > 0 ? $" ({losses.Count} in this run), last loss {losses.TakeLast(20).Average():F4}" : " (already done)")}, {validation.Count} validation lists");
        }

        void Log(string message) => progress?.Report(PipelineProgress.Log(message));
    }

    /// <summary>The teacher's sliding-window permutations of each list as targets (stored, so a rerun ranks nothing twice).</summary>
    private static List<CandidateList> ListwiseTargets(TeacherModel teacher, List<CandidateList> lists, string path, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        var listwise = new ListwiseTeacher(ListwiseTeacher.Llm(teacher.Model));
        // The weights digest the judgements were keyed on (computed once per teacher: hashing every tensor again is seconds for a large one).
        using var store = new RankingStore(path, new TeacherIdentity(teacher.WeightsDigest, $"listwise: {ListwiseTeacher.SystemPrompt}", "permutation", 1f));
        int before = store.Count;
        var report = PipelineStages.Counter(progress, "listwise teacher (lists)");
        var result = new List<CandidateList>();
        foreach (var list in lists)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var order = store.GetOrAdd(list.Query, list.Passages, () => listwise.Rank(list.Query, list.Passages));
            var targets = new float[order.Length];
            for (int rank = 0; rank < order.Length; rank++) targets[order[rank]] = order.Length - rank;
            result.Add(list with { Targets = targets });
            report?.Invoke(result.Count, lists.Count);
        }

        progress?.Report(PipelineProgress.Log($"listwise teacher: {store.Count} rankings ({store.Count - before} made in this run) in {path}"));
        return result;
    }

}
