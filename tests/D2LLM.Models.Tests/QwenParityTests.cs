using System.Text.Json;
using D2LLM.Models.Prompts;
using D2LLM.Models.Qwen;
using D2LLM.Tensors;

namespace D2LLM.Models.Tests;

/// <summary>The decoder against the independent float64 reference (tests/fixtures/expected).</summary>
public class QwenParityTests
{
    [Theory]
    [InlineData("tiny-qwen2-a", "last")]
    [InlineData("tiny-qwen2-a", "mean")]
    [InlineData("tiny-qwen3-a", "last")]
    [InlineData("tiny-qwen3-a", "mean")]
    public void Embeddings_MatchTheReference(string name, string pooling) => CheckEmbeddings(name, pooling, CpuKernels.Instance, minCosine: 0.99999, maxDifference: 1e-3);

    /// <summary>
    /// The bf16 dot-product kernels (activations rounded to bf16 at every Linear layer) stay within bf16 rounding of the
    /// float64 reference; where the CPU has none they are the float32 kernels, held to the float32 bounds.
    /// </summary>
    [Theory]
    [InlineData("tiny-qwen2-a", "mean")]
    [InlineData("tiny-qwen3-a", "last")]
    public void Embeddings_WithBf16Kernels_StayWithinBf16RoundingOfTheReference(string name, string pooling)
    {
        bool bf16 = CpuKernels.Bf16 != CpuKernels.Instance;
        CheckEmbeddings(name, pooling, CpuKernels.Bf16, minCosine: bf16 ? 0.999 : 0.99999, maxDifference: bf16 ? 5e-2 : 1e-3);
    }

    private static void CheckEmbeddings(string name, string pooling, CpuKernels kernels, double minCosine, double maxDifference)
    {
        using var folder = new FixtureModel(name);
        using var model = QwenModel.Load(folder.Path, new ModelLoadOptions { Kernels = kernels });
        var cases = ReadLines($"expected/{name}.embed-{pooling}.jsonl")
            .Select(e => (Text: e.GetProperty("text").GetString()!, Expected: e.GetProperty("embedding").EnumerateArray().Select(x => x.GetDouble()).ToArray()))
            .ToList();
        Assert.Equal(40, cases.Count);
        var batch = TokenBatch.Pack(cases.Select(c => model.Encode(c.Text)).ToList());
        var pooled = model.Pool(model.Forward(batch), batch, pooling == "last" ? PoolingMode.Last : PoolingMode.Mean);
        int h = model.HiddenSize;
        for (int b = 0; b < cases.Count; b++)
        {
            var actual = pooled.AsSpan(b * h, h);
            double dot = 0, na = 0, ne = 0, maxAbs = 0;
            for (int j = 0; j < h; j++)
            {
                dot += actual[j] * cases[b].Expected[j];
                na += actual[j] * actual[j];
                ne += cases[b].Expected[j] * cases[b].Expected[j];
                maxAbs = Math.Max(maxAbs, Math.Abs(actual[j] - cases[b].Expected[j]));
            }

            Assert.True(dot / Math.Sqrt(na * ne) >= minCosine, $"case {b}: cosine {dot / Math.Sqrt(na * ne)}");
            Assert.True(maxAbs <= maxDifference, $"case {b}: max abs difference {maxAbs}");
        }
    }

    [Theory]
    [InlineData("tiny-qwen2-a")]
    [InlineData("tiny-qwen3-a")]
    public void YesNoLogits_AndPromptIds_MatchTheReference(string name)
    {
        using var folder = new FixtureModel(name);
        using var model = QwenModel.Load(folder.Path);
        var template = PromptTemplate.Load(Fixtures.Path($"expected/{name}.template.txt"));
        foreach (var e in ReadLines($"expected/{name}.score.jsonl"))
        {
            int yes = model.Encode(e.GetProperty("yes_token").GetString()!)[0];
            int no = model.Encode(e.GetProperty("no_token").GetString()!)[0];
            Assert.Equal(e.GetProperty("yes_id").GetInt32(), yes);
            Assert.Equal(e.GetProperty("no_id").GetInt32(), no);
            var ids = template.Encode(model.Tokenizer!, e.GetProperty("query").GetString()!, e.GetProperty("passage").GetString()!);
            Assert.Equal(e.GetProperty("prompt_ids").EnumerateArray().Select(x => x.GetInt32()), ids);
            var batch = TokenBatch.Pack(new[] { ids });
            var logits = model.LastLogits(model.Forward(batch), batch, new[] { yes, no });
            Assert.InRange(logits[0] - e.GetProperty("yes_logit").GetDouble(), -2e-3, 2e-3);
            Assert.InRange(logits[1] - e.GetProperty("no_logit").GetDouble(), -2e-3, 2e-3);
        }
    }

    [Theory]
    [InlineData("mqa-untied")]
    [InlineData("sharded-hd")]
    public void OtherConfigurations_MatchTheReference(string name)
    {
        using var folder = new FixtureModel(name);
        using var model = QwenModel.Load(folder.Path);
        var ids = ReadLines($"models/{name}/ids.jsonl").Select(e => e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToList();
        var batch = TokenBatch.Pack(ids);
        var hidden = model.Forward(batch);
        var pooled = model.Pool(hidden, batch, PoolingMode.Mean);
        var logits = model.LastLogits(hidden, batch, new[] { 5, 7 });
        var embeddings = ReadLines($"models/{name}/expected-embed-mean.jsonl").ToList();
        var scores = ReadLines($"models/{name}/expected-score.jsonl").ToList();
        for (int b = 0; b < ids.Count; b++)
        {
            var expected = embeddings[b].GetProperty("embedding").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            for (int j = 0; j < expected.Length; j++) Assert.InRange(pooled[b * model.HiddenSize + j] - expected[j], -1e-3, 1e-3);
            Assert.InRange(logits[2 * b] - scores[b].GetProperty("yes_logit").GetDouble(), -2e-3, 2e-3);
            Assert.InRange(logits[2 * b + 1] - scores[b].GetProperty("no_logit").GetDouble(), -2e-3, 2e-3);
        }
    }

    [Fact]
    public void TextsInOneBatch_GiveTheSameStatesAsAlone()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = QwenModel.Load(folder.Path);
        var texts = new[] { "a short one", "一个中文的句子，稍微长一点。", "and a third text that is longer than the others by some way" };
        var ids = texts.Select(t => model.Encode(t)).ToList();
        var together = TokenBatch.Pack(ids);
        var pooled = model.Pool(model.Forward(together), together, PoolingMode.Mean);
        for (int b = 0; b < texts.Length; b++)
        {
            var alone = TokenBatch.Pack(new[] { ids[b] });
            var single = model.Embed(alone, PoolingMode.Mean);
            for (int j = 0; j < model.HiddenSize; j++) Assert.Equal(single[j], pooled[b * model.HiddenSize + j], 5);
        }
    }

    private static IEnumerable<JsonElement> ReadLines(string relative) =>
        File.ReadLines(Fixtures.Path(relative)).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement);
}

public class KvCacheTests
{
    [Fact]
    public void ContinuingFromACache_EqualsOneFullPass()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = QwenModel.Load(folder.Path);
        var full = new[] { model.Encode("a shared beginning, then one ending"), model.Encode("a shared beginning, and another, longer ending here") };
        int prefix = 4;
        var fullBatch = TokenBatch.Pack(full);
        var expected = model.Pool(model.Forward(fullBatch), fullBatch, PoolingMode.Last);

        var cache = new KvCache(model.LayerCount, 2);
        var first = TokenBatch.Pack(full.Select(f => f[..prefix]).ToList());
        model.Forward(first, cache);
        Assert.Equal(new[] { prefix, prefix }, cache.Lengths);
        var rest = TokenBatch.Pack(full.Select(f => f[prefix..]).ToList(), cache.Lengths.ToArray());
        var actual = model.Pool(model.Forward(rest, cache), rest, PoolingMode.Last);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 4);

        // One token at a time (as generation runs) gives the same last state.
        var stepCache = new KvCache(model.LayerCount, 1);
        float[] last = Array.Empty<float>();
        for (int t = 0; t < full[1].Length; t++)
        {
            var step = TokenBatch.Pack(new[] { new[] { full[1][t] } }, stepCache.Lengths.ToArray());
            last = model.Pool(model.Forward(step, stepCache), step, PoolingMode.Last);
        }

        for (int j = 0; j < model.HiddenSize; j++) Assert.Equal(expected[model.HiddenSize + j], last[j], 4);
    }
}

public class BareCheckpointTests
{
    [Fact]
    public void ABareQwen3ModelCheckpoint_WithoutPrefixOrHead_LoadsAndComputesTheSameStates()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var bare = new TempDirectory();
        using (var file = D2LLM.Models.Checkpoints.SafetensorsFile.Open(folder.File("model.safetensors")))
        {
            D2LLM.Models.Checkpoints.SafetensorsWriter.Write(bare.File("model.safetensors"), file.Tensors
                .Where(t => t.Name != "lm_head.weight")
                .Select(t => new D2LLM.Models.Checkpoints.SafetensorsEntry(t.Name.StartsWith("model.", StringComparison.Ordinal) ? t.Name["model.".Length..] : t.Name,
                    t.DType, t.Shape, file.Bytes(t.Name).ToArray())).ToList());
        }

        File.WriteAllText(bare.File("config.json"), File.ReadAllText(folder.File("config.json")).Replace("Qwen3ForCausalLM", "Qwen3Model"));
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" }) File.Copy(folder.File(name), bare.File(name));
        using var original = Qwen.QwenModel.Load(folder.Path);
        using var loaded = Qwen.QwenModel.Load(bare.Path);
        var batch = TokenBatch.Pack(new[] { original.Encode("a bare checkpoint") });
        Assert.Equal(original.Forward(batch).Data.ToArray(), loaded.Forward(batch).Data.ToArray());
    }
}
