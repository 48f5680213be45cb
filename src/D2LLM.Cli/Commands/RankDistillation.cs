using System.Diagnostics;
using System.Text.Json;
using D2LLM.CrossEncoder;
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Losses.Listwise;
using D2LLM.Mining;
using D2LLM.Models.Qwen;
using D2LLM.Teacher;
using D2LLM.Training;

namespace D2LLM.Cli.Commands;

/// <summary>What <c>distill --method rank-distillm</c> is told.</summary>
internal sealed record RankDistillSettings(
    string Teacher, TeacherPrompt Prompt, string Backbone, int? BackboneLayers, string Data, string Out, double BudgetMinutes, string Mining,
    int TrainQueries, int EvalQueries, int Depth, ListwiseLoss Loss, double LabelShare, float? LearningRate, int ListsPerStep, int LoraRank,
    string Tuning, PseudoQuerySettings Pseudo, bool ListwiseTeacher);

/// <summary>How a corpus without queries gets them (see <see cref="PseudoQueries"/>).</summary>
internal sealed record PseudoQuerySettings(int Passages, double MinScore, string? Generator);

/// <summary>
/// Rank-DistiLLM on our decoders: a cross-encoder student trained in two stages (method.md B.5) — on labels with hard
/// negatives (LCE: the positive against 7 mined negatives), then on the teacher's ranking of each training query's
/// candidate list (the positive and depth − 1 mined candidates; targets t = depth − rank + 1; RankNet by default),
/// each stage ending with its best parameters on 5% held-out lists (stage 1 by loss, stage 2 by Spearman agreement
/// with the teacher's targets) — and measured by Spearman agreement with the teacher on held-out queries, with its
/// speed next to the teacher's.
/// </summary>
internal static class RankDistillation
{
    /// <summary>The teacher's sliding-window permutations of each list as targets (stored, so a rerun ranks nothing twice).</summary>
    private static List<CandidateList> ListwiseTargets(QwenModel teacher, List<CandidateList> lists, string path, Action<string> log)
    {
        var listwise = new ListwiseTeacher(ListwiseTeacher.Llm(teacher));
        using var store = new RankingStore(path, new TeacherIdentity(teacher.Weights.Digest(), $"listwise: {ListwiseTeacher.SystemPrompt}", "permutation", 1f));
        int before = store.Count;
        var result = new List<CandidateList>();
        ProgressDisplay.Run("listwise teacher (lists)", report =>
        {
            foreach (var list in lists)
            {
                var order = store.GetOrAdd(list.Query, list.Passages, () => listwise.Rank(list.Query, list.Passages));
                var targets = new float[order.Length];
                for (int rank = 0; rank < order.Length; rank++) targets[order[rank]] = order.Length - rank;
                result.Add(list with { Targets = targets });
                report(result.Count, lists.Count);
            }
        });
        log($"listwise teacher: {store.Count} rankings ({store.Count - before} made in this run) in {path}");
        return result;
    }

    /// <summary>Backbones up to this size train fully by default: 16 bytes a parameter (weights, gradients, AdamW moments) stay under 1.6 GB.</summary>
    private const long FullTuningLimit = 100_000_000;

    /// <summary>
    /// "auto" becomes "full" for a backbone of at most <see cref="FullTuningLimit"/> parameters (a small or narrow
    /// backbone needs its embedding and every tensor trained: LoRA alone left a random 16-wide one far behind) and
    /// "lora" above.
    /// </summary>
    private static string Tuning(string requested, QwenModel backbone) =>
        requested != "auto" ? requested : BackboneParameters(backbone) <= FullTuningLimit ? "full" : "lora";

    private static long BackboneParameters(QwenModel backbone) => backbone.Weights.Named().Sum(n => (long)n.Weight.Length);

    /// <summary>Bytes the model's weights take in memory (a fully tuned backbone is float32, a loaded one as stored).</summary>
    private static long WeightBytes(QwenModel model) => model.Weights.Named().Sum(n => (long)n.Weight.Bytes().Length);

    public static int Run(RankDistillSettings s)
    {
        var clock = Stopwatch.StartNew();
        void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");
        using var teacherModel = QwenModel.Load(s.Teacher);
        var judge = new TeacherModel(teacherModel, s.Prompt);
        var task = PseudoQueries.Ensure(RetrievalTask.Load(s.Data), s.Out, s.Pseudo.Generator, judge, s.Pseudo.Passages, s.Pseudo.MinScore, Log);
        Log($"data: {task.Corpus.Count} texts, {task.Train.Count} train / {task.Test.Count} held-out queries");
        using var backbone = QwenModel.Load(s.Backbone, new QwenLoadOptions { Layers = s.BackboneLayers });
        var miner = DistillStages.Miner(s.Mining, task, backbone);
        var examples = DistillStages.Mine(task, miner, s.Depth - 1, s.TrainQueries, $"mining {s.Depth - 1} candidates (queries)");
        var evaluation = CandidateMiner.Evaluation(task, miner, depth: 16, s.EvalQueries);
        if (examples.Count < s.ListsPerStep) throw new InvalidDataException($"{s.Data}: only {examples.Count} training queries with {s.Depth - 1} candidates");
        Log($"{examples.Count} training lists of {s.Depth}, {evaluation.Count} evaluation lists of 16");

        var groups = examples.Select(e => (e.Query, (IReadOnlyList<string>)e.Negatives.Prepend(e.Positive).ToList()))
            .Concat(evaluation.Select(e => (e.Query, (IReadOnlyList<string>)e.Candidates)));
        using var judgements = DistillStages.Judge(s.Out, judge, groups, Log, out int storedBefore);

        string tuning = Tuning(s.Tuning, backbone);
        float learningRate = s.LearningRate ?? (tuning == "full" ? 1e-3f : 3e-4f);
        Log($"backbone tuning: {tuning} ({BackboneParameters(backbone) / 1e6:F1}M backbone parameters), learning rate {learningRate:G}");
        var config = new CrossEncoderConfig
        {
            Backbone = Path.GetFullPath(s.Backbone), BackboneLayers = s.BackboneLayers, Tuning = tuning, LoraRank = s.LoraRank, LoraAlpha = s.LoraRank,
            Provenance = new() { ["method"] = "rank-distillm", ["teacher"] = Path.GetFullPath(s.Teacher), ["data"] = s.Data, ["loss"] = s.Loss.ToString() },
        };
        var student = CrossEncoderModel.Create(backbone, config);
        double Agreement() => TeacherAgreement.Spearman((q, candidates) => student.Score(q, candidates).Select(x => (double)x).ToList(), judgements,
            evaluation.Select(e => (e.Query, (IReadOnlyList<string>)e.Candidates)));
        var measuring = Stopwatch.StartNew();
        double before = Agreement();
        var left = TimeSpan.FromMinutes(s.BudgetMinutes) - clock.Elapsed - measuring.Elapsed * 1.3 - TimeSpan.FromSeconds(20);
        var training = left > TimeSpan.FromMinutes(s.BudgetMinutes) / 10 ? left : TimeSpan.FromMinutes(s.BudgetMinutes) / 10;
        Log($"untrained agreement {before:F3}; training budget {training.TotalMinutes:F1} minutes ({s.LabelShare:P0} on labels)");

        // Stage 1 lists: the positive and up to 7 mined negatives (B.5), one-hot targets.
        int labelSize = Math.Min(8, s.Depth);
        var labelLists = examples.Select(e => new CandidateList(e.Query, e.Negatives.Take(labelSize - 1).Prepend(e.Positive).ToList(),
            Enumerable.Range(0, labelSize).Select(i => i == 0 ? 1f : 0f).ToArray())).ToList();
        var teacherLists = examples.Select(e =>
        {
            var passages = e.Negatives.Prepend(e.Positive).ToList();
            return new CandidateList(e.Query, passages, CandidateList.RankTargets(passages.Select(p => judgements[e.Query, p].Probability).ToList()));
        }).ToList();
        if (s.ListwiseTeacher) teacherLists = ListwiseTargets(teacherModel, teacherLists, Path.Combine(s.Out, "listwise-rankings.jsonl"), Log);
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
                Loss = loss, Budget = budget, LearningRate = learningRate, ListsPerStep = s.ListsPerStep, ValidateOn = measure,
            });
            var losses = trainer.Train(lists, Path.Combine(s.Out, $"{name}.safetensors"), (step, value) => { if (step % 1000 == 0) Log($"{name} step {step}: {loss} {value:F4}"); },
                validation, (step, value, best) => Log($"{name} step {step}: validation {measureName} {value:F4} (best {best:F4})"));
            Log($"{name}: {trainer.CompletedSteps} steps{(losses.Count > 0 ? $" ({losses.Count} in this run), last loss {losses.TakeLast(20).Average():F4}" : " (already done)")}, {validation.Count} validation lists");
        }

        Stage("stage1-labels", labelLists, ListwiseLoss.Lce, training * s.LabelShare);
        Stage("stage2-teacher", teacherLists, s.Loss, training * (1 - s.LabelShare));
        double after = Agreement();
        student.Save(s.Out);

        // Efficiency: the same held-out candidates scored by the student and by the teacher (shared-prefix prompts).
        var timer = Stopwatch.StartNew();
        foreach (var e in evaluation) student.Score(e.Query, e.Candidates);
        double studentSeconds = timer.Elapsed.TotalSeconds;
        timer.Restart();
        foreach (var e in evaluation) judge.ScoreCandidates(e.Query, e.Candidates);
        double teacherSeconds = timer.Elapsed.TotalSeconds;
        int pairs = evaluation.Sum(e => e.Candidates.Count);
        double studentMb = WeightBytes(backbone) / 1e6, teacherMb = WeightBytes(teacherModel) / 1e6;
        Log($"spearman vs teacher: untrained {before:F3}, trained {after:F3}; student {pairs / studentSeconds:F0} pairs/s, teacher {pairs / teacherSeconds:F0} pairs/s; weights in memory {studentMb:F1} MB vs {teacherMb:F1} MB");

        var report = new
        {
            method = "rank-distillm", tuning, learning_rate = learningRate, teacher = s.Teacher, backbone = s.Backbone, data = s.Data, loss = s.Loss.ToString(), depth = s.Depth,
            train_lists = teacherLists.Count, eval_queries = evaluation.Count, judgements_total = judgements.Count,
            judgements_stored_before = storedBefore, judgements_scored_this_run = judgements.Scored,
            spearman_vs_teacher = after, spearman_vs_teacher_untrained = before,
            student_pairs_per_s = pairs / studentSeconds, teacher_pairs_per_s = pairs / teacherSeconds, speedup = teacherSeconds / studentSeconds,
            student_weights_mb = studentMb, teacher_weights_mb = teacherMb, weight_memory_ratio = teacherMb / studentMb,
            seconds = clock.Elapsed.TotalSeconds,
        };
        File.WriteAllText(Path.Combine(s.Out, "report.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(JsonSerializer.Serialize(report));
        return 0;
    }
}
