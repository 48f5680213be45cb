namespace D2LLM.Models.Qwen;

/// <summary>A Qwen decoder as a Hugging Face folder (see <see cref="ModelExport"/>); a tied output head is written once, as the embedding.</summary>
internal static class QwenExport
{
    public static void Save(QwenModel model, string outDir) =>
        ModelExport.Save(model, outDir, model.Weights.Named(), model.TrainableParameters(),
            model.Lora.Select(e => ($"model.layers.{e.Key.Layer}.{QwenModel.ProjectionName(e.Key.Target)}.weight", e.Value, model.Weights.Layers[e.Key.Layer].Projection(e.Key.Target))));
}
