using System.CommandLine;
using D2LLM.Tensors;
using D2LLM.Tensors.Gemm;
using TorchSharp;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>
/// <c>--engine</c> of <c>bench forward</c> and <c>bench train</c>: this engine in float32 (<c>d2llm</c>) or with its bf16
/// dot-product kernels (<c>d2llm-bf16</c>, float32 where the CPU has none), or the same weights on libtorch's CPU build
/// in float32 or bfloat16 (<c>torch-f32</c>, <c>torch-bf16</c>: a CLI built with -p:LibTorch=cpu).
/// </summary>
internal sealed record BenchEngine(CpuKernels Kernels, torch.ScalarType? Torch)
{
    public static Option<string> Option() => new("--engine")
    {
        Description = "d2llm | d2llm-bf16 (this engine's bf16 dot products) | torch-f32 | torch-bf16 (libtorch's CPU build: a CLI built with -p:LibTorch=cpu)",
        DefaultValueFactory = _ => "d2llm",
    };

    /// <summary>What runs the Linear layers, for the benchmark's line: libtorch, or the engine's GEMM kernel (amxbf16, avx512bf16, avx512, …).</summary>
    public string LinearKernel => Torch is not null ? "libtorch"
        : (Kernels.LinearKernel == GemmKernel.Auto ? Matmul.BestKernel : Kernels.LinearKernel).ToString().ToLowerInvariant();

    public static BenchEngine Parse(string value) => FlagChoice.Parse("--engine", "engine", value,
        ("d2llm", new BenchEngine(CpuKernels.Instance, null)), ("d2llm-bf16", new BenchEngine(CpuKernels.Bf16, null)),
        ("torch-f32", new BenchEngine(CpuKernels.Instance, torch.ScalarType.Float32)), ("torch-bf16", new BenchEngine(CpuKernels.Instance, torch.ScalarType.BFloat16)));
}
