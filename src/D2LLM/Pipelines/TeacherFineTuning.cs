using System.Diagnostics;
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Teacher;

namespace D2LLM.Pipelines;

/// <summary>
/// The paper's LLM-ce-ft as one call: the teacher measured on evaluation pairs, fine-tuned on labelled pairs with its
/// own yes/no objective (<see cref="TeacherFineTuner"/>; resumable from OUT/finetune-state.safetensors), measured again,
/// and written as a model folder (LoRA merged) that declares the prompt it was tuned with, so later commands judge with
/// it. The state is removed once every epoch has run; a run the budget ended keeps it, and a rerun continues.
/// </summary>
public static class TeacherFineTuning
{
    public const string StateFile = "finetune-state.safetensors";

    /// <param name="teacher">the model to tune, with the prompt it judges with</param>
    /// <param name="pairs">training pairs, labels 0/1</param>
    /// <param name="evaluation">pairs to measure before and after, or null</param>
    /// <param name="outDir">the tuned model folder</param>
    /// <param name="options">tuning mode, schedule, budget and checkpoint cadence</param>
    /// <param name="declaration">noted in the folder's training.json with the prompt and the steps (base model, data)</param>
    /// <param name="progress">stage counts and log lines</param>
    /// <param name="cancellationToken">stops between steps; the saved state stays for a rerun</param>
    public static TeacherFineTuningReport Run(TeacherModel teacher, IReadOnlyList<TextPair> pairs, IReadOnlyList<TextPair>? evaluation, string outDir,
        TeacherTuningOptions options, IReadOnlyDictionary<string, object?> declaration, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var before = evaluation is null ? null : Measure(teacher, evaluation, "before", progress);
        var tuner = new TeacherFineTuner(teacher, options);
        Log($"training {tuner.Parameters.Sum(p => (long)p.Length):N0} parameters ({options.Mode.ToString().ToLowerInvariant()}) on {pairs.Count:N0} pairs");
        Directory.CreateDirectory(outDir);
        string state = Path.Combine(outDir, StateFile);
        if (File.Exists(state)) Log($"resuming from {state}");
        var count = PipelineStages.Counter(progress, "fine-tuning (steps)");
        var losses = tuner.Train(pairs, (step, total, loss) =>
        {
            count?.Invoke(step, total);
            if (step % 100 == 0) Log($"step {step}/{total}: loss {loss:F4}");
        }, state, cancellationToken);
        var after = evaluation is null ? null : Measure(teacher, evaluation, "after", progress);

        teacher.Model.Save(outDir);
        teacher.Prompt.Declare(outDir, new Dictionary<string, object?>(declaration) { ["steps"] = tuner.CompletedSteps });
        if (tuner.Finished) File.Delete(state); // done: a rerun starts a new fine-tuning
        return new TeacherFineTuningReport(pairs.Count, tuner.CompletedSteps, losses.Count, tuner.Finished,
            losses.Take(20).DefaultIfEmpty(double.NaN).Average(), losses.TakeLast(20).DefaultIfEmpty(double.NaN).Average(),
            evaluation?.Count, before, after, clock.Elapsed.TotalSeconds);

        void Log(string message) => progress?.Report(PipelineProgress.Log(message));
    }

    /// <summary>Accuracy at 0.5, best-threshold accuracy and average precision of the teacher's P(yes) on labelled pairs.</summary>
    private static Dictionary<string, double> Measure(TeacherModel teacher, IReadOnlyList<TextPair> pairs, string when, IProgress<PipelineProgress>? progress)
    {
        var scores = PairEvaluation.Chunked(pairs, $"measuring the teacher {when}", teacher.ScorePairs, progress);

        var labels = pairs.Select(p => p.Label).ToList();
        var metrics = PairMetrics.Classification(scores, labels);
        metrics["accuracy@0.5"] = scores.Zip(labels).Average(x => (x.First >= 0.5) == (x.Second > 0) ? 1.0 : 0.0);
        var rounded = metrics.ToDictionary(e => e.Key, e => Math.Round(e.Value, 5));
        progress?.Report(PipelineProgress.Log($"{when}: accuracy {rounded["accuracy@0.5"]:F4} (best threshold {rounded["accuracy"]:F4}), AP {rounded["ap"]:F4}"));
        return rounded;
    }
}
