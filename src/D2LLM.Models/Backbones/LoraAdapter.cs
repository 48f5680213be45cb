using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Models;

/// <summary>
/// A low-rank update beside a frozen projection W[out, in]:  y = x·Wᵀ + s·(drop(x)·Aᵀ)·Bᵀ,  s = α/r,
/// A[r, in] Kaiming-uniform, B[out, r] zero (so a fresh adapter changes nothing). With t = s·drop(x)·Aᵀ (the scale
/// applied to the small [tokens, r] product, never to a full-width one):
/// dB += dyᵀ·t;  dt = dy·B;  dA += s·dtᵀ·drop(x);  dx += s·drop'(dt·A) — added straight into dx without dropout.
/// </summary>
public sealed class LoraAdapter
{
    public LoraAdapter(string name, int inFeatures, int outFeatures, LoraOptions options, Random rng)
    {
        Options = options;
        Scale = options.Alpha / options.Rank;
        A = new Parameter(name + ".lora_A.weight", new[] { options.Rank, inFeatures });
        B = new Parameter(name + ".lora_B.weight", new[] { outFeatures, options.Rank });
        Init.LinearDefault(A.Value, inFeatures, rng);
    }

    public LoraOptions Options { get; }
    public float Scale { get; }
    public Parameter A { get; }
    public Parameter B { get; }

    /// <summary>
    /// y += s·(drop(x)·Aᵀ)·Bᵀ, recording what Backward needs in <paramref name="cache"/> when given: t, and the dropout's
    /// seed (its mask and drop(x) are drawn again from x and the seed, not kept).
    /// </summary>
    public void Forward(IKernels k, Tensor x, Tensor y, Random? dropoutRng, Cache? cache)
    {
        ulong? seed = dropoutRng is not null && Options.Dropout > 0 ? (ulong)dropoutRng.NextInt64() : null;
        var t = k.Allocate(x.Length / A.Shape[1], Options.Rank);
        k.Linear(seed is { } s ? Dropped(k, x, s) : x, A.AsWeight(), null, t);
        k.Scale(t, Scale, t);
        k.LinearAccumulate(t, B.AsWeight(), 1f, y);
        if (cache is not null) (cache.DropoutSeed, cache.T) = (seed, t);
    }

    /// <summary>Gradients of A and B (and dx += …) from dy; <paramref name="x"/> is the projection's input as Forward saw it.</summary>
    public void Backward(IKernels k, Tensor dy, Tensor x, Cache cache, Tensor? dx)
    {
        var dt = k.Allocate(cache.T!.Shape);
        k.LinearBackward(dy, cache.T, B.AsWeight(), dt, B.GradTensor(), null);
        k.Scale(dt, Scale, dt);
        if (cache.DropoutSeed is not { } seed)
        {
            k.LinearBackward(dt, x, A.AsWeight(), dx, A.GradTensor(), null);
            return;
        }

        var dInput = dx is null ? null : k.Allocate(x.Shape);
        k.LinearBackward(dt, Dropped(k, x, seed), A.AsWeight(), dInput, A.GradTensor(), null);
        if (dInput is not null) k.DropoutBackward(dInput, Options.Dropout, seed, dx!);
    }

    private Tensor Dropped(IKernels k, Tensor x, ulong seed)
    {
        var dropped = k.Allocate(x.Shape);
        k.Dropout(x, dropped, Options.Dropout, seed);
        return dropped;
    }

    /// <summary>W + s·B·A in float32: the adapter folded into its base weight for export.</summary>
    public float[] Merge(Weight baseWeight)
    {
        int rows = baseWeight.Rows, cols = baseWeight.Columns;
        var merged = new float[rows * cols];
        for (int r = 0; r < rows; r++) baseWeight.ReadRow(r, merged.AsSpan(r * cols, cols));
        Tensors.Gemm.Matmul.Multiply<float>(false, false, rows, cols, Options.Rank, Scale, B.Value, Options.Rank, A.Value, cols, 1f, merged, cols);
        return merged;
    }

    /// <summary>What one forward pass leaves for the backward pass.</summary>
    public sealed class Cache
    {
        /// <summary>The seed of the dropout mask; null without dropout.</summary>
        public ulong? DropoutSeed { get; set; }
        public Tensor? T { get; set; }
    }
}
