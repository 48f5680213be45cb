using D2LLM.Models.Tests;

namespace D2LLM.Cli.Tests;

/// <summary>
/// --device on a CLI built without libtorch (the default build, as the tests run it): auto falls back to the engine with
/// the same scores, cuda is one line naming what to install, an unknown device one line listing the choices, and bf16
/// runs the engine's bf16 kernels. The torch path itself is checked in D2LLM.Torch.Tests (TorchSharp-cpu).
/// </summary>
public class DeviceOptionTests
{
    [Fact]
    public void Auto_WithoutLibtorch_ScoresOnTheEngine_AndCudaOrAnUnknownDeviceIsOneLine()
    {
        using var teacher = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("pairs.jsonl"), "{\"query\":\"tell me about amber\",\"passage\":\"amber and basil explained\"}\n");
        string[] score = ["score", "--teacher", teacher.Path, "--template", "d2llm-en-asym", "--input", dir.File("pairs.jsonl")];

        var engine = Cli.Run(score);
        var auto = Cli.Run([.. score, "--device", "auto"]);
        Assert.True(engine.Code == 0 && auto.Code == 0, engine.Stderr + auto.Stderr);
        Assert.Equal(engine.Stdout, auto.Stdout);

        var cuda = Cli.Run([.. score, "--device", "cuda"]);
        Assert.Equal(2, cuda.Code);
        var error = cuda.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single(l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("libtorch could not be loaded", error);
        Assert.Contains("-p:LibTorch=cuda", error);

        var unknown = Cli.Run([.. score, "--device", "gpu"]);
        Assert.Equal(2, unknown.Code);
        Assert.Contains("error: --device: unknown device 'gpu' (cpu, cuda, auto, torch-cpu)", unknown.Stderr);

        // The engine in bf16: the fixture's bf16 Linear layers on the CPU's bf16 dot products (float32 where it has none).
        var bf16 = Cli.Run([.. score, "--precision", "bf16"]);
        Assert.True(bf16.Code == 0, bf16.Stderr);
        Assert.Equal(Score(engine.Stdout), Score(bf16.Stdout), 2e-2);
    }

    /// <summary>finetune-teacher takes --device too: cuda without libtorch is the same one line, before any training.</summary>
    [Fact]
    public void FinetuneTeacher_OnCudaWithoutLibtorch_IsOneLine()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        string consolidated = Path.Combine(AppContext.BaseDirectory, "cpu"); // where TorchSharp's failed load copied libtorch to
        if (Directory.Exists(consolidated)) Directory.Delete(consolidated, recursive: true);
        File.WriteAllLines(dir.File("pairs.tsv"), ["a question\ta question again\t1", "a question\tsomething else\t0"]);
        var run = Cli.Run("finetune-teacher", "--teacher", teacher.Path, "--data", dir.File("pairs.tsv"), "--out", dir.File("tuned"),
            "--batch", "2", "--device", "cuda");
        Assert.Equal(2, run.Code);
        var error = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single(l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("-p:LibTorch=cuda", error);
        Assert.DoesNotContain("LoadNativeBackend", run.Stderr); // TorchSharp's loader trace is kept for --verbose
        Assert.False(Directory.Exists(dir.File("tuned"))); // claimed before the device failed, then left as it was
        Assert.False(Directory.Exists(consolidated));
    }

    private static double Score(string stdout) =>
        System.Text.Json.JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single()).RootElement.GetProperty("score").GetDouble();
}
