using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Models.Tests;

/// <summary>
/// Training passes keep their activations in arenas the model pools (rented by a forward pass, returned by its
/// backward pass). A pass must not see what an earlier pass of another shape left there, and passes alive together
/// must not share one.
/// </summary>
internal static class PooledPasses
{
    /// <summary>
    /// Gradients of L = Σ r ⊙ Forward(·) on a model whose pool has served a longer batch: of two overlapping passes
    /// (forward, forward, backward, backward), then of one pass; and of the same on models that ran them one at a time
    /// (<c>Fresh</c>: the overlapping pair one after the other, the single pass first thing).
    /// </summary>
    public static (float[] Reused, float[] Fresh)[] Gradients(Func<IBackbone> open, Func<IBackbone, IReadOnlyList<Parameter>> train, Func<IBackbone, TokenBatch> batch, Func<IBackbone, TokenBatch> longer)
    {
        using var reused = open();
        var parameters = train(reused);
        RunPass(reused, longer(reused), seed: 1);
        foreach (var p in parameters) p.ZeroGrad();
        var (a, b) = (new BackbonePass(longer(reused), new Random(2)), new BackbonePass(batch(reused), new Random(3)));
        reused.Forward(a.Batch, a);
        reused.Forward(b.Batch, b);
        reused.Backward(a, Upstream(reused, a.Batch, seed: 2));
        reused.Backward(b, Upstream(reused, b.Batch, seed: 3));
        Assert.Throws<InvalidOperationException>(() => reused.Backward(b, Upstream(reused, b.Batch, seed: 3)));
        var overlapping = Gradients(parameters);
        RunPass(reused, batch(reused), seed: 4);
        var single = Gradients(parameters);

        using var first = open();
        var firstParameters = train(first);
        RunPass(first, batch(first), seed: 4);
        var freshSingle = Gradients(firstParameters);
        RunPass(first, longer(first), seed: 2);
        RunPass(first, batch(first), seed: 3);
        return [(overlapping, Gradients(firstParameters)), (single, freshSingle)];
    }

    /// <summary>The parameters' gradients, which are then zeroed.</summary>
    private static float[] Gradients(IReadOnlyList<Parameter> parameters)
    {
        var grads = parameters.SelectMany(p => p.Grad).ToArray();
        foreach (var p in parameters) p.ZeroGrad();
        return grads;
    }

    private static void RunPass(IBackbone model, TokenBatch batch, int seed)
    {
        var pass = new BackbonePass(batch, new Random(seed));
        model.Forward(batch, pass);
        model.Backward(pass, Upstream(model, batch, seed));
    }

    private static Tensor Upstream(IBackbone model, TokenBatch batch, int seed)
    {
        var rng = new Random(seed);
        return Tensor.Wrap(Enumerable.Range(0, batch.Tokens * model.HiddenSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), batch.Tokens, model.HiddenSize);
    }
}
