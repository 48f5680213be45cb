using D2LLM.Models.Tests;

namespace D2LLM.Cli.Tests;

/// <summary>
/// --device on a CLI built without libtorch (the default build, as the tests run it): auto falls back to the engine with
/// the same scores, cuda is one line naming what to install, an unknown device one line listing the choices, and bf16
/// is refused on the engine. The torch path itself is checked in D2LLM.Torch.Tests (TorchSharp-cpu).
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

        var bf16 = Cli.Run([.. score, "--precision", "bf16"]);
        Assert.Equal(2, bf16.Code);
        Assert.Contains("error: --precision bf16: the engine (--device cpu) computes in f32", bf16.Stderr);
    }
}
