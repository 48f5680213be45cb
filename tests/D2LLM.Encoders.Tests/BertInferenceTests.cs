using D2LLM.Models;

namespace D2LLM.Encoders.Tests;

/// <summary>
/// Inference reuses one workspace across calls, whatever their shape (values a larger batch left behind stay in it):
/// a call must give exactly what a freshly loaded model gives, and what a training pass (own tensors, probabilities
/// kept) gives.
/// </summary>
public sealed class BertInferenceTests
{
    [Fact]
    public void ReusedWorkspace_GivesTheStatesOfAFreshModel_AfterALargerAndASmallerBatch()
    {
        using var folder = new TinyBert(seed: 4);
        using var reused = Backbones.Load(folder.Path);
        using var fresh = Backbones.Load(folder.Path);
        var large = TokenBatch.Pack(new[]
        {
            reused.EncodeUntrusted("gradients flow back through the encoder . the encoder", 32),
            reused.EncodeUntrusted("pair of texts . pair of texts . pair of texts", 32),
        });
        var small = TokenBatch.Pack(new[] { reused.EncodeUntrusted("the encoders", 32) });

        var first = reused.Forward(large).Span.ToArray();
        var afterLarge = reused.Forward(small).Span.ToArray();
        Assert.Equal(fresh.Forward(small).Span.ToArray(), afterLarge);
        Assert.Equal(fresh.Forward(large).Span.ToArray(), reused.Forward(large).Span.ToArray());
        Assert.Equal(first, reused.Forward(large).Span.ToArray());

        var trained = reused.Forward(small, new BackbonePass(small)).Span.ToArray();
        for (int i = 0; i < trained.Length; i++) Assert.Equal(trained[i], afterLarge[i], 5);
    }

    [Theory]
    [InlineData(PoolingMode.Mean)]
    [InlineData(PoolingMode.First)]
    [InlineData(PoolingMode.Last)]
    public void Embed_EqualsPoolingTheForwardStates(PoolingMode mode)
    {
        using var folder = new TinyBert(seed: 5);
        using var model = Backbones.Load(folder.Path);
        var batch = TokenBatch.Pack(new[] { model.EncodeUntrusted("the encoder .", 32), model.EncodeUntrusted("pair of texts", 32) });
        var expected = model.Pool(model.Forward(batch), batch, mode);
        Assert.Equal(2 * model.HiddenSize, expected.Length);
        Assert.Equal(expected, model.Embed(batch, mode));
        Assert.NotEqual(expected.AsSpan(0, model.HiddenSize).ToArray(), expected.AsSpan(model.HiddenSize).ToArray());
    }
}
