using D2LLM.Models.Checkpoints;
using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Models;

/// <summary>
/// Writes a (fine-tuned) backbone as a Hugging Face folder usable wherever a model folder is: the source folder's other
/// files (config, tokenizer, templates, pooling settings) copied, and one model.safetensors holding every tensor —
/// trained tensors (full fine-tuning, or LoRA adapters merged into their projections) in float32 so that small updates
/// are not rounded away, the rest as loaded.
/// </summary>
public static class ModelExport
{
    /// <param name="model">the backbone (its folder is the source of the other files)</param>
    /// <param name="outDir">the folder to write; never the source folder</param>
    /// <param name="named">every tensor of the model under its checkpoint name</param>
    /// <param name="trained">full fine-tuning's parameters (named as the tensors they replace)</param>
    /// <param name="adapters">LoRA adapters with the name and base weight of the projection each adapts</param>
    public static void Save(IBackbone model, string outDir, IEnumerable<(string Name, Weight Weight)> named, IEnumerable<Parameter> trained,
        IEnumerable<(string Name, LoraAdapter Adapter, Weight Base)> adapters)
    {
        string source = model.Directory ?? throw new InvalidOperationException("only a model loaded from a folder can be exported (its tokenizer and config are copied)");
        if (model.LayerCount != model.ConfiguredLayers)
            throw new InvalidOperationException($"the model was loaded with {model.LayerCount} of its {model.ConfiguredLayers} layers; export needs them all");
        if (Path.GetFullPath(source).TrimEnd('/') == Path.GetFullPath(outDir).TrimEnd('/')) throw new ArgumentException($"{outDir}: export over the source folder is refused");
        CopyOtherFiles(source, outDir);
        var parameters = trained.ToDictionary(p => p.Name);
        var merged = adapters.ToDictionary(a => a.Name, a => a.Adapter.Merge(a.Base));
        SafetensorsWriter.Write(Path.Combine(outDir, Checkpoint.SingleFile), named.Select(n =>
            parameters.TryGetValue(n.Name, out var p) && !merged.ContainsKey(n.Name) ? SafetensorsEntry.FromFloats(n.Name, p.Shape, p.Value)
            : merged.TryGetValue(n.Name, out var m) ? SafetensorsEntry.FromFloats(n.Name, n.Weight.Shape, m)
            : new SafetensorsEntry(n.Name, n.Weight.DType, n.Weight.Shape, n.Weight.Bytes().ToArray())), new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var stale in Directory.GetFiles(outDir, "model-*-of-*.safetensors").Append(Path.Combine(outDir, Checkpoint.IndexFile)))
            File.Delete(stale);
    }

    /// <summary>Every file and sub-folder of the source but its weights, each written beside and moved in.</summary>
    private static void CopyOtherFiles(string source, string outDir)
    {
        Directory.CreateDirectory(outDir);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file), name = Path.GetFileName(file);
            if (name.EndsWith(".safetensors", StringComparison.Ordinal) || name == Checkpoint.IndexFile) continue;
            string target = Path.Combine(outDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target + ".partial", overwrite: true);
            File.Move(target + ".partial", target, overwrite: true);
        }
    }
}
