using System.CommandLine;
using D2LLM.Models;
using D2LLM.Tensors;
using D2LLM.Torch;
using TorchSharp;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>--device cpu | cuda | auto | torch-cpu</c>: where a command's Qwen models run. <c>cpu</c> (the default) is this
/// project's engine; <c>cuda</c> is libtorch on the GPU (a CLI built with <c>-p:LibTorch=cuda</c>); <c>auto</c> takes
/// the GPU when libtorch has one, else the engine; <c>torch-cpu</c> is libtorch on the CPU (<c>-p:LibTorch=cpu</c>),
/// the GPU code path without a GPU. <c>--precision bf16</c> makes a torch device compute in bfloat16, and the engine
/// run the Linear layers of bf16 checkpoints on the CPU's bf16 dot-product units (<see cref="CpuKernels.Bf16"/>; f32
/// where it has none). Decoders and encoders both run on either.
/// </summary>
internal sealed class DeviceOption
{
    public Option<string> Flag { get; } = new("--device")
    {
        Description = "where models run: cpu (this engine), cuda (libtorch, GPU), auto (cuda when present, else cpu), torch-cpu (libtorch on the CPU)",
        DefaultValueFactory = _ => "cpu",
    };

    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "f32 | bf16: what models compute in (bf16: GPU tensor cores; AVX512-BF16 dot products for the engine's Linear layers over bf16 weights, and for torch on a CPU)",
        DefaultValueFactory = _ => "f32",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Flag);
        command.Options.Add(Precision);
    }

    public IDecoder LoadDecoder(ParseResult r, string directory, ModelLoadOptions? options = null) =>
        Torch(r) is { } torch ? TorchDecoder.Load(directory, torch, options) : Backbones.LoadDecoder(directory, Engine(r, options));

    public IBackbone Load(ParseResult r, string directory, ModelLoadOptions? options = null) =>
        Torch(r) is { } torch ? TorchBackbone.Load(directory, torch, options) : Backbones.Load(directory, Engine(r, options));

    /// <summary>The engine's load options: a copy with its bf16 kernels under <c>--precision bf16</c>.</summary>
    private ModelLoadOptions? Engine(ParseResult r, ModelLoadOptions? options)
    {
        if (r.GetValue(Precision) != "bf16") return options;
        if (CpuKernels.Bf16 == CpuKernels.Instance) Console.Error.WriteLine("--precision bf16: this CPU has no AVX512-BF16 dot products, so the engine computes in f32");
        return (options ?? new ModelLoadOptions()) with { Kernels = CpuKernels.Bf16 };
    }

    /// <summary>The torch settings for the chosen device, or null for the engine.</summary>
    public TorchOptions? Torch(ParseResult r)
    {
        string device = FlagChoice.Parse("--device", "device", r.GetValue(Flag)!, ("cpu", "cpu"), ("cuda", "cuda"), ("auto", "auto"), ("torch-cpu", "torch-cpu"));
        var precision = FlagChoice.Parse("--precision", "precision", r.GetValue(Precision)!, ("f32", torch.ScalarType.Float32), ("bf16", torch.ScalarType.BFloat16));
        if (device == "cpu" || (device == "auto" && !CudaPresent())) return null;
        return new TorchOptions { Device = device == "torch-cpu" ? "cpu" : "cuda", DType = precision };
    }

    /// <summary>Whether libtorch loads and has CUDA; a CLI built without libtorch simply has none.</summary>
    private static bool CudaPresent()
    {
        try
        {
            return TorchDevice.CudaAvailable();
        }
        catch (NotSupportedException)
        {
            return false;
        }
    }
}
