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
            "cuda" => throw new NotSupportedException(
                "--device cuda: libtorch has no CUDA here (the application references a CPU build such as TorchSharp-cpu, or no GPU is visible); " +
                "reference TorchSharp-cuda-linux on a machine with an NVIDIA driver, or use --device cpu"),
            _ => throw new ArgumentException($"--device {choice}: expected one of {string.Join(", ", Choices)}"),
        };
    }

    /// <summary>Whether libtorch loads with CUDA; no libtorch, or one that does not load, is an error naming the package to reference.</summary>
    public static bool CudaAvailable()
    {
        if (!BesideApplication("LibTorchSharp")) throw Missing("no libLibTorchSharp beside the application");
        // Without libtorch TorchSharp's failed load falls back to copying libtorch's natives out of the NuGet cache into
        // the application's folder (half a gigabyte, where a CPU build was ever restored) before it fails anyway.
        if (!BesideApplication("torch")) throw Missing("no libtorch beside the application");
        // TorchSharp reports a failed load as a long trace on standard output, which carries a command's JSON lines: the
        // trace goes into the inner exception (what --verbose prints), so the error itself stays one line.
        var stdout = Console.Out;
        using var trace = new StringWriter();
        Console.SetOut(trace);
        try
        {
            return torch.cuda.is_available();
        }
        catch (TypeInitializationException e)
        {
            throw Missing(e.GetBaseException().Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? e.Message,
                new InvalidOperationException($"TorchSharp's loader said:\n{trace}", e));
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    /// <summary>A native library of TorchSharp's packages (the wrapper, libtorch) where .NET looks for an application's: its folder or runtimes/.</summary>
    private static bool BesideApplication(string library)
    {
        string root = AppContext.BaseDirectory;
        string[] names = [$"lib{library}.so", $"{library}.dll", $"lib{library}.dylib"];
        return names.Any(n => File.Exists(Path.Combine(root, n)))
            || (System.IO.Directory.Exists(Path.Combine(root, "runtimes")) && names.Any(n => System.IO.Directory.EnumerateFiles(Path.Combine(root, "runtimes"), n, SearchOption.AllDirectories).Any()));
    }

    private static NotSupportedException Missing(string cause, Exception? inner = null) => new(
        $"libtorch could not be loaded ({cause}); reference TorchSharp-cpu or TorchSharp-cuda-linux (the d2llm CLI: build it with " +
        "-p:LibTorch=cuda or -p:LibTorch=cpu; on a system whose libstdc++ predates GLIBCXX_3.4.32, import build/LibTorchSharpLoaderFix.targets)", inner);
}
