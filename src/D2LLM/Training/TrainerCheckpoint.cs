using System.Globalization;
using D2LLM.Models.Checkpoints;
using D2LLM.Tensors.Optim;

namespace D2LLM.Training;

/// <summary>
/// Training state in one safetensors file: every parameter, its AdamW moments, the steps done (and whether the run
/// finished, e.g. by early stopping), the best
/// validation loss so far (with the parameters that reached it), and the <see cref="TrainingRun"/> it belongs to.
/// Written atomically, so a kill leaves either the previous checkpoint or the new one. A checkpoint of another run
/// (other data, options or parameters) is refused, naming what differs.
/// </summary>
public static class TrainerCheckpoint
{
    public static void Save(string path, TrainingRun run, IReadOnlyList<Parameter> parameters, AdamW optimizer, int steps, bool finished, double bestValidation, IReadOnlyList<float[]>? best)
    {
        var entries = new List<SafetensorsEntry>();
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var (m, v) = optimizer.Moments(i);
            entries.Add(SafetensorsEntry.FromFloats(p.Name, p.Shape, p.Value));
            entries.Add(SafetensorsEntry.FromFloats(p.Name + ".adam_m", p.Shape, m));
            entries.Add(SafetensorsEntry.FromFloats(p.Name + ".adam_v", p.Shape, v));
            if (best is not null) entries.Add(SafetensorsEntry.FromFloats(p.Name + ".best", p.Shape, best[i]));
        }

        SafetensorsWriter.Write(path, entries, new Dictionary<string, string>
        {
            ["steps"] = steps.ToString(CultureInfo.InvariantCulture),
            ["finished"] = finished ? "true" : "false",
            ["optimizer_steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
            ["best_validation"] = bestValidation.ToString("R", CultureInfo.InvariantCulture),
            ["run_options"] = run.Options,
            ["run_data"] = run.Data,
        });
    }

    /// <summary>
    /// Where a validated training run starts: step 0 without a checkpoint; else the checkpoint's steps done (and
    /// whether it had finished), with its parameters, optimizer state and best validation result restored.
    /// </summary>
    public static (int Steps, bool Finished) Resume(string? path, TrainingRun run, IReadOnlyList<Parameter> parameters, AdamW optimizer, BestParameters best)
    {
        if (path is null || !File.Exists(path)) return (0, false);
        var (steps, finished, bestLoss, bestValues) = Load(path, run, parameters, optimizer);
        best.Resume(bestLoss, bestValues);
        return (steps, finished);
    }

    /// <summary>Restores parameters and optimizer; returns the steps done, whether the run finished, the best validation loss and best parameters.</summary>
    public static (int Steps, bool Finished, double BestValidation, List<float[]>? Best) Load(string path, TrainingRun run, IReadOnlyList<Parameter> parameters, AdamW optimizer)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("run_options", out var options) || !file.Metadata.TryGetValue("run_data", out var data))
            throw new InvalidDataException($"{path}: a checkpoint that does not record its training run (an earlier d2llm's); delete it to train from the start");
        if (run.Difference(new TrainingRun(options, data)) is { } difference)
            throw new InvalidDataException($"{path}: a checkpoint of another training run ({difference}); delete it to train from the start, or use another output folder");
        bool hasBest = parameters.Count > 0 && file.Contains(parameters[0].Name + ".best");
        var best = hasBest ? new List<float[]>() : null;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            Read(p.Name, p.Value);
            var (m, v) = optimizer.Moments(i);
            Read(p.Name + ".adam_m", m);
            Read(p.Name + ".adam_v", v);
            if (best is not null)
            {
                var b = new float[p.Length];
                Read(p.Name + ".best", b);
                best.Add(b);
            }
        }

        optimizer.RestoreStepCount((int)Number("optimizer_steps"));
        return ((int)Number("steps"), file.Metadata.GetValueOrDefault("finished") == "true", Number("best_validation"), best);

        double Number(string key) =>
            file.Metadata.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                ? value : throw new InvalidDataException($"{path}: damaged checkpoint (metadata '{key}' missing or not a number)");

        void Read(string name, float[] destination)
        {
            if (!file.Contains(name)) throw new InvalidDataException($"{path}: missing tensor '{name}' (a checkpoint of another student?)");
            var values = file.ReadFloats(name);
            if (values.Length != destination.Length) throw new InvalidDataException($"{path}: tensor '{name}' has {values.Length} values, expected {destination.Length}");
            values.CopyTo(destination, 0);
        }
    }
}
