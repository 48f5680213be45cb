using D2LLM.Models.Checkpoints;

namespace D2LLM.Models.Qwen;

/// <summary>
/// Writes a (fine-tuned) model as a Hugging Face folder usable wherever a model folder is: the source folder's other
/// files (config, tokenizer, templates) copied, and one model.safetensors holding every tensor — trained tensors
/// (full fine-tuning, or LoRA adapters merged into their projections) in float32 so that small updates are not
/// rounded away, the rest as loaded.
/// </summary>
public static class QwenExport
{
    public static void Save(QwenModel model, string outDir)
    {
        string source = model.Directory ?? throw new InvalidOperationException("only a model loaded from a folder can be exported (its tokenizer and config are copied)");
        if (model.LayerCount != model.Config.NumLayers)
            throw new InvalidOperationException($"the model was loaded with {model.LayerCount} of its {model.Config.NumLayers} layers; export needs them all");
        if (Path.GetFullPath(source).TrimEnd('/') == Path.GetFullPath(outDir).TrimEnd('/')) throw new ArgumentException($"{outDir}: export over the source folder is refused");
        Directory.CreateDirectory(outDir);
        foreach (var file in Directory.GetFiles(source))
        {
            string name = Path.GetFileName(file);
            if (name.EndsWith(".safetensors", StringComparison.Ordinal) || name == Checkpoint.IndexFile) continue;
            string target = Path.Combine(outDir, name);
            File.Copy(file, target + ".partial", overwrite: true);
            File.Move(target + ".partial", target, overwrite: true);
        }

        var trained = model.TrainableParameters().ToDictionary(p => p.Name);
        var merged = new Dictionary<string, float[]>();
        foreach (var ((layer, target), adapter) in model.Lora)
            merged[$"model.layers.{layer}.{QwenModel.ProjectionName(target)}.weight"] = adapter.Merge(model.Weights.Layers[layer].Projection(target));

        SafetensorsWriter.Write(Path.Combine(outDir, Checkpoint.SingleFile), model.Weights.Named().Select(n =>
            trained.TryGetValue(n.Name, out var p) && !merged.ContainsKey(n.Name) ? SafetensorsEntry.FromFloats(n.Name, p.Shape, p.Value)
            : merged.TryGetValue(n.Name, out var m) ? SafetensorsEntry.FromFloats(n.Name, n.Weight.Shape, m)
            : new SafetensorsEntry(n.Name, n.Weight.DType, n.Weight.Shape, n.Weight.Bytes().ToArray())), new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var stale in Directory.GetFiles(outDir, "model-*-of-*.safetensors").Append(Path.Combine(outDir, Checkpoint.IndexFile)))
            File.Delete(stale);
    }
}
