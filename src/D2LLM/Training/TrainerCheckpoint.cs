using System.Globalization;
using D2LLM.Models.Checkpoints;
using D2LLM.Tensors.Optim;

namespace D2LLM.Training;

/// <summary>
/// Training state in one safetensors file: every parameter, its AdamW moments, the next step and the best
/// validation loss so far (with the parameters that reached it). Written atomically, so a kill leaves either the
/// previous checkpoint or the new one.
/// </summary>
public static class TrainerCheckpoint
{
    public static void Save(string path, IReadOnlyList<Parameter> parameters, AdamW optimizer, int nextStep, double bestValidation, IReadOnlyList<float[]>? best)
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
            ["next_step"] = nextStep.ToString(CultureInfo.InvariantCulture),
            ["optimizer_steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
            ["best_validation"] = bestValidation.ToString("R", CultureInfo.InvariantCulture),
        });
    }

    /// <summary>
    /// Where a validated training run starts: step 0 without a checkpoint; else the checkpoint's next step, with its
    /// parameters, optimizer state and best validation result restored.
    /// </summary>
    public static int Resume(string? path, IReadOnlyList<Parameter> parameters, AdamW optimizer, BestParameters best)
    {
        if (path is null || !File.Exists(path)) return 0;
        var (next, bestLoss, bestValues) = Load(path, parameters, optimizer);
        best.Resume(bestLoss, bestValues);
        return next;
    }

    /// <summary>Restores parameters and optimizer; returns the next step, best validation loss and best parameters.</summary>
    public static (int NextStep, double BestValidation, List<float[]>? Best) Load(string path, IReadOnlyList<Parameter> parameters, AdamW optimizer)
    {
        using var file = SafetensorsFile.Open(path);
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

        optimizer.RestoreStepCount(int.Parse(file.Metadata["optimizer_steps"], CultureInfo.InvariantCulture));
        return (int.Parse(file.Metadata["next_step"], CultureInfo.InvariantCulture),
            double.Parse(file.Metadata["best_validation"], CultureInfo.InvariantCulture), best);

        void Read(string name, float[] destination)
        {
            if (!file.Contains(name)) throw new InvalidDataException($"{path}: missing tensor '{name}' (a checkpoint of another student?)");
            var values = file.ReadFloats(name);
            if (values.Length != destination.Length) throw new InvalidDataException($"{path}: tensor '{name}' has {values.Length} values, expected {destination.Length}");
            values.CopyTo(destination, 0);
        }
    }
}
