using D2LLM.Models;
using D2LLM.Models.Qwen;
using D2LLM.Models.Tests;
using TorchSharp;

namespace D2LLM.Torch.Tests;

/// <summary>
/// The torch decoder against the CPU engine on the tiny Qwen fixtures (random weights of the real layout, the real
/// tokenizer), on the CPU build of libtorch: the same hidden states for a batch of texts of different lengths (so the
/// padding mask and each text's positions matter), in float32 within 1e-4 and in bfloat16 close in direction.
/// </summary>
public sealed class TorchQwenDecoderTests
{
    private static readonly string[] Texts = ["a short one", "一个中文的句子，稍微长一点。", "and a third text that is longer than the others by some way"];

    [Theory]
    [InlineData("tiny-qwen2-a")]
    [InlineData("tiny-qwen3-a")]
    public void Float32_GivesTheEngineHiddenStates(string name)
    {
        using var folder = new FixtureModel(name);
        using var engine = QwenModel.Load(folder.Path);
        using var torchModel = TorchQwenDecoder.Load(folder.Path, new TorchOptions { Device = "cpu" });
        var batch = TokenBatch.Pack(Texts.Select(t => engine.Encode(t)).ToList());
        var expected = engine.Forward(batch).Span.ToArray();
        var actual = torchModel.Forward(batch);
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-4, $"max abs difference {worst:E2}");
        Assert.True(expected.Select(Math.Abs).Max() > 0.1, "the states are not all near zero");
    }

    [Fact]
    public void BFloat16_PointsTheSameWayAsFloat32()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var f32 = TorchDecoder.Load(folder.Path, new TorchOptions { Device = "cpu" });
        using var bf16 = TorchDecoder.Load(folder.Path, new TorchOptions { Device = "cpu", DType = torch.ScalarType.BFloat16 });
        using var engine = QwenModel.Load(folder.Path);
        var batch = TokenBatch.Pack(Texts.Select(t => engine.Encode(t)).ToList());
        var reference = f32.Embed(batch, PoolingMode.Mean);
        var half = bf16.Embed(batch, PoolingMode.Mean);
        int h = f32.HiddenSize;
        for (int b = 0; b < Texts.Length; b++)
        {
            var x = reference.AsSpan(b * h, h);
            var y = half.AsSpan(b * h, h);
            double cosine = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(x, y);
            Assert.True(cosine >= 0.99, $"text {b}: cosine {cosine:F5}");
            Assert.NotEqual(x.ToArray(), y.ToArray()); // bf16 really ran
        }
    }

    [Fact]
    public void Devices_AreChosenOrRefusedClearly()
    {
        Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("cpu").type);
        Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("auto").type); // the CPU build of libtorch has no CUDA
        var cuda = Assert.Throws<NotSupportedException>(() => TorchDevice.Resolve("cuda"));
        Assert.Contains("TorchSharp-cuda-linux", cuda.Message);
        var unknown = Assert.Throws<ArgumentException>(() => TorchDevice.Resolve("gpu"));
        Assert.Contains("auto, cuda, cpu", unknown.Message);
    }
}
