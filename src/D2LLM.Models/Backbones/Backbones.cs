using D2LLM.Models.Bert;
using D2LLM.Models.Qwen;
using D2LLM.Models.Tokenization;
using D2LLM.Tensors;

namespace D2LLM.Models;

/// <summary>Opens model folders as backbones or decoders: the one place that knows which architecture implements which.</summary>
public static class Backbones
{
    /// <summary>A model folder as a backbone (config.json, weights, tokenizer), by the architecture its config names: BERT-family encoders, else Qwen decoders.</summary>
    public static IBackbone Load(string directory, ModelLoadOptions? options = null) =>
        IsEncoder(directory) ? BertModel.Load(directory, options) : LoadDecoder(directory, options);

    /// <summary>A model folder as a causal language model (Qwen2 / Qwen2.5 / Qwen3).</summary>
    public static IDecoder LoadDecoder(string directory, ModelLoadOptions? options = null) =>
        IsEncoder(directory) ? throw new InvalidDataException($"{directory}: a BERT encoder is not a causal language model (it cannot judge, generate or chat)")
            : QwenModel.Load(directory, options);

    /// <summary>Whether a folder's config.json names an encoder-only architecture (model_type bert).</summary>
    public static bool IsEncoder(string directory)
    {
        string path = Path.Combine(directory, "config.json");
        if (!File.Exists(path)) return false;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("model_type", out var t)
                && t.ValueKind == System.Text.Json.JsonValueKind.String && t.GetString() == "bert";
        }
        catch (System.Text.Json.JsonException)
        {
            return false; // the loader that reads it reports the broken file
        }
    }

    /// <summary>A decoder of the given shape with random weights (benchmarks of published shapes, tests).</summary>
    public static IDecoder RandomDecoder(ModelConfig shape, int seed, ByteLevelBpeTokenizer? tokenizer = null, IKernels? kernels = null) =>
        QwenModel.FromWeights(shape, QwenWeights.Random(shape, seed), tokenizer, kernels);
}
