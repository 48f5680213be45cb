using System.Diagnostics;
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Mining;
using D2LLM.Models;
using D2LLM.Retrieval;
using D2LLM.Student;
using D2LLM.Teacher;
using D2LLM.Training;

namespace D2LLM.Pipelines;

/// <summary>
/// D2LLM distillation, the whole recipe: data (queries written by the model when the corpus has none) → BM25 or dense
/// hard negatives → the teacher's judgement of every pair the losses need (kept in the output folder, so a rerun judges
/// nothing twice) → training of PMA + IEM (and LoRA on the backbone) with the five D2LLM losses within the budget and
/// the step limit, resumable from its checkpoint → Spearman agreement with the teacher on held-out queries → the
/// student folder. A rerun on the same folder resumes every stage.
/// </summary>
public static class StudentDistillation
{
    /// <summary>The training checkpoint in the output folder.</summary>
    public const string CheckpointFile = "trainer.safetensors";

    /// <param name="teacher">the judge (its prompt chosen for the task)</param>
    /// <param name="backbone">the student's backbone (all its layers, or the first N the student keeps)</param>
    /// <param name="data">training and held-out queries over a corpus (or a corpus alone)</param>
    /// <param name="outDir">the student folder to write, holding the judgements and checkpoint while it trains</param>
    /// <param name="options">recipe options</param>
    /// <param name="progress">stage counts and log lines</param>
    /// <param name="cancellationToken">stops between queries and steps; what is stored stays for a rerun</param>
    public static StudentDistillationReport Run(TeacherModel teacher, IBackbone backbone, RetrievalTask data, string outDir, StudentDistillationOptions options,
        IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var training = options.Training.Copy(); // its time budget is set from what the stages leave
        var task = PseudoQueryStage.Ensure(data, outDir, teacher, options.PseudoQueries, progress);
        string taskName = training.Task == IemTask.Symmetric ? "symmetric" : "asymmetric";
        Log($"data: {task.Corpus.Count} texts, {task.Train.Count} train / {task.Test.Count} held-out queries; {taskName} task, teacher prompt {teacher.Prompt.Template.Source}");

        var miner = PipelineStages.Miner(options.Mining, task, backbone, progress);
        var examples = PipelineStages.Mine(task, miner, training.HardNegatives, options.TrainQueries, progress);
        var evaluation = CandidateMiner.Evaluation(task, miner, depth: 16, options.EvalQueries);
        Log($"mined {examples.Count} training examples, {evaluation.Count} evaluation queries × 16 {options.Mining.ToString().ToLowerInvariant()} candidates");
        if (examples.Count < training.BatchQueries)
            throw new InvalidDataException($"{task.Source}: only {examples.Count} training queries with {training.HardNegatives} negatives; a batch needs {training.BatchQueries}");

        var all = StudentTrainer.Batches(examples, training.BatchQueries, training.Seed);
        int held = all.Count < 2 ? 0 : Math.Max(1, all.Count / 20); // 5% for validation, when there is more than one batch
        var batches = all.Take(all.Count - held).ToList();
        var validation = all.Skip(all.Count - held).ToList();
        var plan = StudentTrainer.Plan(all).ToList();
        var heldOut = evaluation.Select(e => (e.Query, (IReadOnlyList<string>)e.Candidates)).ToList();

        // Heads-only training reads cached token states of every text; LoRA training runs the backbone each step.
        bool lora = options.Tuning == StudentTuning.Lora;
        var states = new TokenStates(backbone, maxTokens: DistillationOptions.TextTokens);
        if (!lora)
        {
            var texts = plan.SelectMany(p => p.Passages.Prepend(p.Query)).Concat(evaluation.SelectMany(e => e.Candidates.Prepend(e.Query))).Distinct(StringComparer.Ordinal).ToList();
            var count = PipelineStages.Counter(progress, "backbone states (texts)");
            states.Add(texts, progress: count is null ? null : done => count(done, texts.Count));
            Log($"backbone states for {states.Count} texts");
        }

        using var judgements = PipelineStages.Judge(outDir, teacher, plan.Concat(heldOut), progress, cancellationToken, out int storedBefore);

        var heads = new StudentHeads(new HeadsOptions(backbone.HiddenSize, PmaHeads: 8, IemHidden: 512, Variant: options.Pma));
        double baseline = TeacherAgreement.Spearman(new PooledEncoder(backbone, PoolingMode.Mean, maxTokens: DistillationOptions.TextTokens).Cosines, judgements, heldOut);
        var loraOptions = new LoraOptions { Rank = options.LoraRank, Alpha = options.LoraRank, Dropout = options.LoraDropout };
        ITokenEncoder encoder = lora ? new LoraEncoder(backbone, loraOptions, maxTokens: DistillationOptions.TextTokens, training.Seed) : states;
        var measuring = Stopwatch.StartNew();
        double before = TeacherAgreement.Spearman(heads, encoder, judgements, heldOut, training.Task);

        // The budget bounds the whole run: training gets what the stages so far and the closing evaluation leave
        // (at least a tenth of it, so that a slow preparation still trains).
        var left = options.Budget - clock.Elapsed - measuring.Elapsed * 1.2 - TimeSpan.FromSeconds(5);
        training.Budget = left > options.Budget / 10 ? left : options.Budget / 10;
        Log($"training budget {training.Budget.TotalMinutes:F1} of {options.Budget.TotalMinutes:F1} minutes");
        var trainer = new StudentTrainer(heads, encoder, judgements, training, options.HeadsStep?.Invoke(heads, training));
        string checkpoint = Path.Combine(outDir, CheckpointFile);
        if (File.Exists(checkpoint)) Log($"resuming training from {checkpoint}");
        var history = trainer.Train(batches, validation, checkpoint,
            s => { if (s.Step % 500 == 0) Log($"step {s.Step}: loss {s.Total:F4} (in-batch {s.InBatch:F4}, CI {s.Contrastive:F4}, Pearson {s.Pearson:F4})"); },
            (step, loss) => Log($"step {step}: validation in-batch loss {loss:F4}"), cancellationToken);
        double after = TeacherAgreement.Spearman(heads, encoder, judgements, heldOut, training.Task);
        Log($"spearman vs teacher: backbone mean-pool cosine {baseline:F3}, untrained heads {before:F3}, trained heads {after:F3} after {trainer.CompletedSteps} steps ({history.Count} in this run)");

        var provenance = new Dictionary<string, object?>(options.Provenance) { ["steps"] = trainer.CompletedSteps, ["mode"] = lora ? "lora" : "heads" };
        StudentModel.Save(outDir, new StudentConfig
        {
            Backbone = Path.GetFullPath(backbone.Directory ?? throw new ArgumentException("the backbone must be loaded from a folder (the student names it)", nameof(backbone))),
            BackboneLayers = backbone.LayerCount < backbone.ConfiguredLayers ? backbone.LayerCount : null,
            Dim = backbone.HiddenSize, PmaHeads = heads.Options.PmaHeads, PmaVariant = heads.Options.Variant == PmaVariant.Standard ? "standard" : "reference",
            IemHidden = heads.Options.IemHidden, LoraRank = lora ? loraOptions.Rank : null, LoraAlpha = lora ? loraOptions.Alpha : null, Task = taskName,
            Provenance = provenance,
        }, heads, lora ? backbone.LoraParameters() : null);

        return new StudentDistillationReport(taskName, teacher.Prompt.Template.Source, examples.Count, evaluation.Count,
            judgements.Count, storedBefore, judgements.Scored, trainer.CompletedSteps, history.Count, history.Count > 0 ? history[^1].Total : double.NaN,
            after, before, baseline, clock.Elapsed.TotalSeconds);

        void Log(string message) => progress?.Report(PipelineProgress.Log(message));
    }
}
