using D2LLM.Models.Qwen;
using D2LLM.Models.Tokenization;

namespace D2LLM.Models;

/// <summary>Opens model folders as backbones or decoders: the one place that knows which architecture implements which.</summary>
public static class Backbones
{
    /// <summary>A model folder as a backbone (config.json, weights, tokenizer), by the architecture its config names.</summary>
    public static IBackbone Load(string directory, ModelLoadOptions? options = null) => LoadDecoder(directory, options);

    /// <summary>A model folder as a causal language model (Qwen2 / Qwen2.5 / Qwen3).</summary>
    public static IDecoder LoadDecoder(string directory, ModelLoadOptions? options = null) => QwenModel.Load(directory, options);

    /// <summary>A decoder of the given shape with random weights (benchmarks of published shapes, tests).</summary>
    public static IDecoder RandomDecoder(ModelConfig shape, int seed, ByteLevelBpeTokenizer? tokenizer = null) =>
        QwenModel.FromWeights(shape, QwenWeights.Random(shape, seed), tokenizer);
}
