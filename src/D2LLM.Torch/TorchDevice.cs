using TorchSharp;

namespace D2LLM.Torch;

/// <summary>
/// Where the torch backend runs: <c>cuda</c>, <c>cpu</c> or <c>auto</c> (CUDA when libtorch has it and a GPU is
/// present, else the CPU), as every command's <c>--device</c> names it.
/// </summary>
public static class TorchDevice
{
    public static readonly string[] Choices = ["auto", "cuda", "cpu"];

    /// <summary>The device for a choice; a clear error when CUDA is asked for and this libtorch or machine lacks it.</summary>
    public static torch.Device Resolve(string choice)
    {
        bool cuda = CudaAvailable();
        return choice switch
        {
            "cpu" => torch.CPU,
            "auto" => cuda ? torch.CUDA : torch.CPU,
            "cuda" when cuda => torch.CUDA,
            "cuda" => throw new InvalidOperationException(
                "--device cuda: libtorch has no CUDA here (the application references a CPU build such as TorchSharp-cpu, or no GPU is visible); " +
                "reference TorchSharp-cuda-linux on a machine with an NVIDIA driver, or use --device cpu"),
            _ => throw new ArgumentException($"--device {choice}: expected one of {string.Join(", ", Choices)}"),
        };
    }

    /// <summary>Whether libtorch loads with CUDA; a libtorch that does not load at all is an error naming the package to reference.</summary>
    public static bool CudaAvailable()
    {
        try
        {
            return torch.cuda.is_available();
        }
        catch (TypeInitializationException e)
        {
            throw new InvalidOperationException(
                $"libtorch could not be loaded ({e.InnerException?.Message ?? e.Message}); reference TorchSharp-cpu or TorchSharp-cuda-linux " +
                "(on a system whose libstdc++ predates GLIBCXX_3.4.32, import build/LibTorchSharpLoaderFix.targets)", e);
        }
    }
}
