using System.CommandLine;
using System.Text.Json;
using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Teacher;
using D2LLM.Pipelines;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm finetune-teacher --teacher DIR --data PAIRS --out DIR [--mode lora|full] [--eval PAIRS] [--device D]</c>: the
/// paper's LLM-ce-ft. Trains the teacher's yes/no judgement on labelled pairs, writes the tuned model as a Hugging Face
/// folder (LoRA merged), and reports accuracy before and after on the evaluation pairs. Under <c>--device cuda</c> the
/// decoder's passes run on the GPU; the optimizer and the output head stay on the host.
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
        var device = new DeviceOption();
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
        device.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            using var claimed = OutputFolder.Claim(r.GetValue(output)!, "finetune-teacher", r.GetValue(force));
            var pairs = PairFile.Read(r.GetValue(data)!).ToList();
            PairFile.RequireClassification(pairs, r.GetValue(data)!, "teacher fine-tuning");
            var evaluation = r.GetValue(evalData) is { } evalPath ? PairFile.Read(evalPath).Take(r.GetValue(evalLimit)).ToList() : null;
            using var model = device.LoadDecoder(r, r.GetValue(teacher)!, new ModelLoadOptions { RandomSeed = r.GetValue(initSeed) });
            var judge = new TeacherModel(model, prompt.Resolve(r, r.GetValue(teacher)!));
            var options = new TeacherTuningOptions
            {
                Mode = FlagChoice.Parse("--mode", "mode", r.GetValue(mode)!, ("lora", TeacherTuningMode.Lora), ("full", TeacherTuningMode.Full)),
                LearningRate = r.GetValue(lr), BatchSize = r.GetValue(batch), Epochs = r.GetValue(epochs), LoraRank = r.GetValue(rank),
                Budget = r.GetValue(budget) is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
                CheckpointInterval = TimeSpan.FromMinutes(Math.Max(0, r.GetValue(checkpointMinutes))),
            };
            var declaration = new Dictionary<string, object?>
            {
                ["base_model"] = r.GetValue(teacher), ["init_seed"] = r.GetValue(initSeed), ["trained_on"] = new[] { r.GetValue(data) }, ["mode"] = r.GetValue(mode),
            };
            var result = PipelineDisplay.Run(progress => TeacherFineTuning.Run(judge, pairs, evaluation, r.GetValue(output)!, options, declaration, progress));
            var report = new
            {
                teacher = r.GetValue(teacher), init_seed = r.GetValue(initSeed), data = r.GetValue(data), mode = r.GetValue(mode), pairs = result.Pairs,
                steps = result.Steps, steps_this_run = result.StepsThisRun, finished = result.Finished, first_loss = result.FirstLoss, last_loss = result.LastLoss,
                eval = r.GetValue(evalData), eval_pairs = result.EvalPairs, before = result.Before, after = result.After, seconds = Math.Round(result.Seconds, 1),
            };
            File.WriteAllText(Path.Combine(r.GetValue(output)!, "report.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine(JsonSerializer.Serialize(report));
            return 0;
        }));
        return cmd;
    }
}
