using D2LLM.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace D2LLM.Encoders.Tests;

/// <summary>
/// The engine's BERT encoder against ONNX Runtime on the same weights and the same token ids: 64 SciFact abstracts
/// (title and text, cut to 256 tokens) and abstract 17755060, whose first layer has attention logits past exp's range,
/// each run alone through ONNX Runtime (no padding) and all packed in one batch through the engine. Last hidden states within 1e-4 max abs, pooled embeddings cosine ≥ 0.99999.
/// </summary>
[Collection(PretrainedCollection.Name)]
public sealed class OnnxParityTests(PretrainedEncoders encoders, ITestOutputHelper output)
{
    [Fact]
    public void MiniLm_MatchesOnnxRuntime() => AssertParity(encoders.MiniLm);

    [Fact]
    public void ArcticXs_MatchesOnnxRuntime() => AssertParity(encoders.Arctic);

    private void AssertParity(PretrainedEncoders.Encoder encoder)
    {
        using var model = Backbones.Load(encoder.Folder);
        var texts = SciFact.Abstracts(64, "17755060");
        var ids = texts.Select(t => model.EncodeUntrusted(t, 256)).ToList();
        var batch = TokenBatch.Pack(ids);
        var hidden = model.Forward(batch);
        var states = new float[hidden.Length];
        model.Kernels.CopyTo(hidden, states);
        var pooled = model.Pool(hidden, batch, encoder.Pooling);
        int h = model.HiddenSize;

        using var session = new InferenceSession(encoder.Onnx, new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount });
        double worst = 0, worstCosine = 1;
        for (int b = 0; b < ids.Count; b++)
        {
            int n = ids[b].Length;
            long[] Input(Func<int, long> value) => Enumerable.Range(0, n).Select(value).ToArray();
            var inputs = new[]
            {
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(Input(i => ids[b][i]), [1, n])),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Input(_ => 1), [1, n])),
                NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(Input(_ => 0), [1, n])),
            };
            using var results = session.Run(inputs, ["last_hidden_state"]);
            var reference = results[0].AsEnumerable<float>().ToArray();
            var ours = states.AsSpan(batch.Starts[b] * h, n * h);
            for (int i = 0; i < reference.Length; i++) worst = Math.Max(worst, Math.Abs(reference[i] - ours[i]));
            var expected = encoder.Pooling == PoolingMode.First ? reference[..h]
                : Enumerable.Range(0, h).Select(j => Enumerable.Range(0, n).Average(t => reference[t * h + j])).Select(v => (float)v).ToArray();
            worstCosine = Math.Min(worstCosine, System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(expected, pooled.AsSpan(b * h, h)));
        }

        output.WriteLine($"{Path.GetFileName(encoder.Folder)}: max abs difference {worst:E2}, lowest pooled cosine {worstCosine:F8}");
        Assert.True(worst <= 1e-4, $"last hidden states differ by {worst:E2} at most (limit 1e-4)");
        Assert.True(worstCosine >= 0.99999, $"pooled embeddings: lowest cosine {worstCosine:F7} (limit 0.99999)");
    }
}
