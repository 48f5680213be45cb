using System.CommandLine;
using D2LLM.Models;
using D2LLM.Torch;
using TorchSharp;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>--device cpu | cuda | auto | torch-cpu</c>: where a command's Qwen models run. <c>cpu</c> (the default) is this
/// project's engine; <c>cuda</c> is libtorch on the GPU (a CLI built with <c>-p:LibTorch=cuda</c>); <c>auto</c> takes
/// the GPU when libtorch has one, else the engine; <c>torch-cpu</c> is libtorch on the CPU (<c>-p:LibTorch=cpu</c>),
/// the GPU code path without a GPU; <c>--precision bf16</c> makes a torch device compute in bfloat16. Encoder folders run
/// on the engine only for now.
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
        Description = "f32 | bf16: what a torch device computes in (bf16: GPU tensor cores, AVX512-BF16/AMX on a CPU); the engine computes in f32",
        DefaultValueFactory = _ => "f32",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Flag);
        command.Options.Add(Precision);
    }

    public IDecoder LoadDecoder(ParseResult r, string directory, ModelLoadOptions? options = null) =>
        Torch(r, directory) is { } torch ? TorchBackbone.Load(directory, torch, options) : Backbones.LoadDecoder(directory, options);

    public IBackbone Load(ParseResult r, string directory, ModelLoadOptions? options = null) =>
        Torch(r, directory) is { } torch ? TorchBackbone.Load(directory, torch, options) : Backbones.Load(directory, options);

    /// <summary>The torch settings for the chosen device, or null for the engine.</summary>
    private TorchOptions? Torch(ParseResult r, string directory)
    {
        string device = FlagChoice.Parse("--device", "device", r.GetValue(Flag)!, ("cpu", "cpu"), ("cuda", "cuda"), ("auto", "auto"), ("torch-cpu", "torch-cpu"));
        var precision = FlagChoice.Parse("--precision", "precision", r.GetValue(Precision)!, ("f32", torch.ScalarType.Float32), ("bf16", torch.ScalarType.BFloat16));
        if (device == "cpu" && precision != torch.ScalarType.Float32)
            throw new ArgumentException("--precision bf16: the engine (--device cpu) computes in f32; bf16 needs --device cuda, auto or torch-cpu");
        if (device == "cpu" || (device == "auto" && !CudaPresent()))
        {
            if (precision != torch.ScalarType.Float32) Console.Error.WriteLine("--device auto: no CUDA, so the engine runs (in f32)");
            return null;
        }

        if (Backbones.IsEncoder(directory))
        {
            if (device == "auto") return null;
            throw new ArgumentException($"--device {device}: {directory} is an encoder, which runs on the CPU engine only for now (--device cpu)");
        }

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
