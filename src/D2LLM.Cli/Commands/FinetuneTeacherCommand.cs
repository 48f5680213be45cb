using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using D2LLM.Cli.Commands.Eval;
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Models.Qwen;
using D2LLM.Teacher;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm finetune-teacher --teacher DIR --data PAIRS --out DIR [--mode lora|full] [--eval PAIRS]</c>: the paper's
/// LLM-ce-ft. Trains the teacher's yes/no judgement on labelled pairs, writes the tuned model as a Hugging Face
/// folder (LoRA merged), and reports accuracy before and after on the evaluation pairs.
/// </summary>
internal static class FinetuneTeacherCommand
{
    public static Command Create()
    {
        var teacher = new Option<string>("--teacher") { Description = "teacher model folder", Required = true };
        var data = new Option<string>("--data") { Description = "training pairs with 0/1 labels (.tsv, .tsv.gz, .jsonl)", Required = true };
        var output = new Option<string>("--out") { Description = "folder for the tuned model (new, empty, or an earlier finetune-teacher's: it resumes)", Required = true };
        var force = CommonOptions.Force();
        var mode = new Option<string>("--mode") { Description = "lora (large teachers; default) | full (small teachers: every layer tensor)", DefaultValueFactory = _ => "lora" };
        var evalData = new Option<string?>("--eval") { Description = "pairs to measure accuracy on, before and after" };
        var evalLimit = new Option<int>("--eval-limit") { Description = "measure on at most this many evaluation pairs", DefaultValueFactory = _ => int.MaxValue };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training pairs", DefaultValueFactory = _ => 1 };
        var lr = new Option<float?>("--lr") { Description = "peak learning rate (default 2e-4 LoRA, 5e-5 full)" };
        var batch = new Option<int>("--batch") { Description = "pairs per step", DefaultValueFactory = _ => 16 };
        var rank = new Option<int>("--lora-rank") { Description = "LoRA rank (alpha = rank)", DefaultValueFactory = _ => 16 };
        var budget = new Option<double?>("--budget-minutes") { Description = "stop training after this long" };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes") { Description = "save the training state at least this often (and every 200 steps)", DefaultValueFactory = _ => 1 };
        var initSeed = new Option<int?>("--init-seed") { Description = "start from random weights of the teacher folder's shape (this seed) instead of its trained ones: grows a small judge from scratch" };
        var prompt = new TeacherPromptOptions(defaultTemplate: "d2llm-zh-sym");
        var cmd = new Command("finetune-teacher", """
            Fine-tune a teacher on labelled pairs with its own yes/no objective (D2LLM's LLM-ce-ft): binary cross-entropy
            of sigmoid(logit(yes) - logit(no)) at the prompt's last position against the 0/1 label. --mode lora trains
            LoRA adapters on every projection and merges them on export; --mode full trains every layer tensor (the
            embedding and the tied head stay frozen). OUT is a model folder usable as --teacher anywhere; OUT/report.json
            holds accuracy at 0.5, best-threshold accuracy and average precision on --eval before and after. The state
            is saved every 200 steps or --checkpoint-minutes in OUT/finetune-state.safetensors: rerun the same command
            to resume (a state of other pairs or options is refused).
            """)
        {
            teacher, data, output, force, mode, evalData, evalLimit, epochs, lr, batch, rank, budget, checkpointMinutes, initSeed,
        };
        prompt.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            using var claimed = OutputFolder.Claim(r.GetValue(output)!, "finetune-teacher", r.GetValue(force));
            var clock = Stopwatch.StartNew();
            void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");
            var pairs = PairFile.Read(r.GetValue(data)!).ToList();
            PairFile.RequireClassification(pairs, r.GetValue(data)!, "teacher fine-tuning");
            var evaluation = r.GetValue(evalData) is { } evalPath ? PairFile.Read(evalPath).Take(r.GetValue(evalLimit)).ToList() : null;
            using var model = QwenModel.Load(r.GetValue(teacher)!, new QwenLoadOptions { RandomSeed = r.GetValue(initSeed) });
            var judge = new TeacherModel(model, prompt.Resolve(r, r.GetValue(teacher)!));
            var options = new TeacherTuningOptions
            {
                Mode = r.GetValue(mode) switch
                {
                    "lora" => TeacherTuningMode.Lora,
                    "full" => TeacherTuningMode.Full,
                    var other => throw new ArgumentException($"--mode: unknown mode '{other}' (lora, full)"),
                },
                LearningRate = r.GetValue(lr), BatchSize = r.GetValue(batch), Epochs = r.GetValue(epochs), LoraRank = r.GetValue(rank),
                Budget = r.GetValue(budget) is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
                CheckpointInterval = TimeSpan.FromMinutes(Math.Max(0, r.GetValue(checkpointMinutes))),
            };
            var before = evaluation is null ? null : Measure(judge, evaluation, "before");
            if (before is not null) Log($"before: accuracy {before["accuracy@0.5"]:F4} (best threshold {before["accuracy"]:F4}), AP {before["ap"]:F4}");

            var tuner = new TeacherFineTuner(judge, options);
            Log($"training {tuner.Parameters.Sum(p => (long)p.Length):N0} parameters ({r.GetValue(mode)}) on {pairs.Count:N0} pairs");
            string outDir = r.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            string state = Path.Combine(outDir, "finetune-state.safetensors");
            if (File.Exists(state)) Log($"resuming from {state}");
            var losses = new List<double>();
            ProgressDisplay.Run("fine-tuning (steps)", report => losses = tuner.Train(pairs, (step, total, loss) =>
            {
                report(step, total);
                if (step % 100 == 0) Log($"step {step}/{total}: loss {loss:F4}");
            }, state));
            var after = evaluation is null ? null : Measure(judge, evaluation, "after");
            if (after is not null) Log($"after: accuracy {after["accuracy@0.5"]:F4} (best threshold {after["accuracy"]:F4}), AP {after["ap"]:F4}");

            QwenExport.Save(model, outDir);
            // The tuned teacher judges best with the prompt it was tuned with: later commands read it from the folder.
            judge.Prompt.Declare(outDir, new { base_model = r.GetValue(teacher), init_seed = r.GetValue(initSeed), trained_on = new[] { r.GetValue(data) }, mode = r.GetValue(mode), steps = tuner.CompletedSteps });
            var report = new
            {
                teacher = r.GetValue(teacher), init_seed = r.GetValue(initSeed), data = r.GetValue(data), mode = r.GetValue(mode), pairs = pairs.Count, steps = tuner.CompletedSteps, steps_this_run = losses.Count,
                first_loss = losses.Take(20).DefaultIfEmpty(double.NaN).Average(), last_loss = losses.TakeLast(20).DefaultIfEmpty(double.NaN).Average(),
                eval = r.GetValue(evalData), eval_pairs = evaluation?.Count, before, after, seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            };
            string json = JsonSerializer.Serialize(report);
            File.WriteAllText(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            File.Delete(state); // finished: a rerun starts a new fine-tuning
            Console.WriteLine(json);
            return 0;
        }));
        return cmd;
    }

    private static Dictionary<string, double> Measure(TeacherModel judge, List<TextPair> pairs, string when)
    {
        var scores = PairEvaluation.Chunked(pairs, $"measuring the teacher {when}", judge.ScorePairs);
        var labels = pairs.Select(p => p.Label).ToList();
        var metrics = PairMetrics.Classification(scores, labels);
        metrics["accuracy@0.5"] = scores.Zip(labels).Average(x => (x.First >= 0.5) == (x.Second > 0) ? 1.0 : 0.0);
        return metrics.ToDictionary(e => e.Key, e => Math.Round(e.Value, 5));
    }
}
