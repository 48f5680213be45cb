using D2LLM.Models;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>The published shapes benchmarks run at (docs/contracts.md), as configs for randomly initialised models.</summary>
internal static class PublishedShapes
{
    public static ModelConfig Get(string name) => name switch
    {
        "qwen2.5-0.5b" => new ModelConfig
        {
            Architecture = Architecture.Qwen2, ArchitectureName = "Qwen2ForCausalLM", HiddenSize = 896, IntermediateSize = 4864,
            NumLayers = 24, NumHeads = 14, NumKvHeads = 2, HeadDim = 64, VocabSize = 151936, RopeTheta = 1e6,
            TieWordEmbeddings = true, QkvBias = true, MaxPositions = 32768,
        },
        "qwen3-0.6b" => new ModelConfig
        {
            Architecture = Architecture.Qwen3, ArchitectureName = "Qwen3ForCausalLM", HiddenSize = 1024, IntermediateSize = 3072,
            NumLayers = 28, NumHeads = 16, NumKvHeads = 8, HeadDim = 128, VocabSize = 151936, RopeTheta = 1e6,
            TieWordEmbeddings = true, MaxPositions = 40960,
        },
        _ => throw new ArgumentException($"--config: unknown shape '{name}' (qwen2.5-0.5b, qwen3-0.6b)"),
    };
}
