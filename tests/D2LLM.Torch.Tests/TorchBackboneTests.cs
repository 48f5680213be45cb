using D2LLM.Models;
using D2LLM.Encoders.Tests;
using D2LLM.Models.Tests;
using D2LLM.Teacher;
using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Torch.Tests;

/// <summary>
/// The torch backbone behind <see cref="IBackbone"/> against the CPU engine, for Qwen decoders and a BERT encoder: a
/// training pass with LoRA or full fine-tuning (forward, backward of the same upstream gradient) gives the same states
/// and the same parameter gradients, an optimizer's update of the host parameters reaches the device on the next pass,
/// and pooling agrees. Dropout is off so that both compute the same function.
/// </summary>
public sealed class TorchBackboneTests
{
    [Theory]
    [InlineData("tiny-qwen2-a", false)]
    [InlineData("tiny-qwen3-a", false)]
    [InlineData("tiny-bert", false)]
    [InlineData("tiny-qwen3-a", true)]
    [InlineData("tiny-bert", true)]
    public void TrainingPass_GivesTheEngineStatesAndGradients(string name, bool full)
    {
        using var bert = name == "tiny-bert" ? new TinyBert(seed: 4) : null;
        using var qwen = bert is null ? new FixtureModel(name) : null;
        string path = bert?.Path ?? qwen!.Path;
        using var engine = Backbones.Load(path);
        using var device = TorchBackbone.Load(path, new TorchOptions { Device = "cpu" });
        Assert.Equal(name == "tiny-bert", device is not IDecoder);
        var rng = new Random(7);
        List<Parameter> engineParameters, deviceParameters;
        if (full)
        {
            (engineParameters, deviceParameters) = ([.. engine.MakeTrainable(includeEmbedding: true)], [.. device.MakeTrainable(includeEmbedding: true)]);
            Assert.Equal(engineParameters.Select(p => p.Name), device.TrainableParameters().Select(p => p.Name));
        }
        else
        {
            var options = new LoraOptions { Rank = 2, Alpha = 4, Dropout = 0 };
            engine.AddLora(options, seed: 3);
            device.AddLora(options, seed: 3);
            (engineParameters, deviceParameters) = ([.. engine.LoraParameters()], [.. device.LoraParameters()]);
            foreach (var (e, d) in engineParameters.Zip(deviceParameters).Where(p => p.First.Name.Contains("lora_B")))
                for (int i = 0; i < e.Length; i++) e.Value[i] = d.Value[i] = (float)(rng.NextDouble() - 0.5);
        }

        // A text alone and a pair (BERT: token types 0 then 1), of different lengths.
        var batch = TokenBatch.Pack(new[]
        {
            engine.EncodeUntrusted("gradients flow back", 32),
            engine.EncodePair(engine.EncodeUntrusted("pair of texts", 32), engine.EncodeUntrusted("gradients flow through the encoders.", 32), " "),
        });
        var upstream = Tensor.Wrap(Enumerable.Range(0, batch.Tokens * engine.HiddenSize).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), batch.Tokens, engine.HiddenSize);
        AssertClose(engine.Forward(batch).Span.ToArray(), device.Forward(batch).Span.ToArray(), "inference states");
        var enginePass = new BackbonePass(batch);
        var devicePass = new BackbonePass(batch);
        AssertClose(engine.Forward(batch, enginePass).Span.ToArray(), device.Forward(batch, devicePass).Span.ToArray(), "states");
        engine.Backward(enginePass, upstream);
        device.Backward(devicePass, upstream);
        Assert.Equal(engineParameters.Count, deviceParameters.Count);
        foreach (var (e, d) in engineParameters.Zip(deviceParameters))
        {
            Assert.Equal(e.Name, d.Name);
            if (e.Grad.Any(g => g != 0)) AssertClose(e.Grad, d.Grad, e.Name);
            else Assert.All(d.Grad, g => Assert.Equal(0f, g)); // a token-type row or position the batch never reads
        }

        // An optimizer step on the host reaches the device.
        foreach (var (e, d) in engineParameters.Zip(deviceParameters))
            for (int i = 0; i < e.Length; i++) e.Value[i] = d.Value[i] = e.Value[i] - 0.1f * e.Grad[i];
        AssertClose(engine.Forward(batch, new BackbonePass(batch)).Span.ToArray(), device.Forward(batch, new BackbonePass(batch)).Span.ToArray(), "states after a step");
        foreach (var mode in new[] { PoolingMode.First, PoolingMode.Mean })
            AssertClose(engine.Embed(batch, mode), device.Embed(batch, mode), $"{mode} pooling");
    }

    [Fact]
    public void TeacherScores_ThroughTheSharedPrefixCache_EqualTheEngine()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var engineModel = Backbones.LoadDecoder(folder.Path);
        using var deviceModel = TorchDecoder.Load(folder.Path, new TorchOptions { Device = "cpu" });
        var engine = new TeacherModel(engineModel, TeacherPrompt.Named("d2llm-en-asym"));
        var device = new TeacherModel(deviceModel, TeacherPrompt.Named("d2llm-en-asym"));
        var passages = new[] { "amber and basil explained", "a passage about something else entirely, longer than the first one", "basil" };
        var expected = engine.ScoreCandidates("tell me about amber basil", passages);
        var cached = device.ScoreCandidates("tell me about amber basil", passages);
        var whole = device.Score(passages.Select(p => device.Encode("tell me about amber basil", p)).ToList());
        for (int i = 0; i < passages.Length; i++)
        {
            Assert.Equal(expected[i].Probability, cached[i].Probability, 5);
            Assert.Equal(whole[i].Probability, cached[i].Probability, 5);
        }

        Assert.True(expected.Select(e => e.Probability).Distinct().Count() == passages.Length, "the passages score differently");

        // A teacher judges 10^5–10^6 pairs: scoring leaves no tensor alive behind it.
        long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        device.ScoreCandidates("another question", passages);
        device.Score(passages.Select(p => device.Encode("another question", p)).ToList());
        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>Max abs difference within 1e-4 of the larger magnitude (and the values are not all zero).</summary>
    /// <summary>
    /// Training steps leave no tensor alive behind them (counted on this thread by TorchSharp): outside a dispose scope a
    /// tensor is freed only by its finalizer, and gradients converted for the host each step held their memory — a GPU's
    /// too — until then.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainingSteps_LeaveNoLiveTensorsBehind(bool full)
    {
        using var qwen = new FixtureModel("tiny-qwen3-a");
        using var device = TorchBackbone.Load(qwen.Path, new TorchOptions { Device = "cpu" });
        var parameters = full ? device.MakeTrainable() : [.. AddLora(device)];
        var batch = TokenBatch.Pack(new[] { device.EncodeUntrusted("gradients flow back", 32), device.EncodeUntrusted("and leave nothing", 32) });
        var upstream = Tensor.Wrap(Enumerable.Range(0, batch.Tokens * device.HiddenSize).Select(i => (i % 7 - 3) * 1e-3f).ToArray(), batch.Tokens, device.HiddenSize);
        void Step()
        {
            var pass = new BackbonePass(batch);
            device.Forward(batch, pass);
            device.Backward(pass, upstream);
            foreach (var p in parameters) p.Value[0] += 1e-3f; // an optimizer step: the next pass uploads
        }

        Step();
        var statistics = TorchSharp.DisposeScopeManager.Statistics;
        long live = statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) Step();
        Assert.Equal(live, statistics.ThreadTotalLiveCount);

        static IEnumerable<Parameter> AddLora(TorchBackbone backbone)
        {
            backbone.AddLora(new LoraOptions { Rank = 2, Alpha = 4, Dropout = 0 }, seed: 3);
            return backbone.LoraParameters();
        }
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-3, expected.Max(v => Math.Abs(v)));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-4 * scale, $"{what}: max abs difference {worst:E2} against values up to {scale:E2}");
        Assert.True(expected.Any(v => v != 0), $"{what}: all zero");
    }
}
