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

    /// <summary>y += s·(drop(x)·Aᵀ)·Bᵀ, recording what Backward needs in <paramref name="cache"/> when given.</summary>
    public void Forward(IKernels k, Tensor x, Tensor y, Random? dropoutRng, Cache? cache)
    {
        var input = x;
        byte[]? keep = null;
        if (dropoutRng is not null && Options.Dropout > 0)
        {
            input = k.Allocate(x.Shape);
            keep = new byte[x.Length];
            k.Dropout(x, input, keep, Options.Dropout, dropoutRng);
        }

        var t = k.Allocate(x.Length / A.Shape[1], Options.Rank);
        k.Linear(input, A.AsWeight(), null, t);
        k.Scale(t, Scale, t);
        k.LinearAccumulate(t, B.AsWeight(), 1f, y);
        if (cache is not null) (cache.Dropped, cache.Keep, cache.T) = (keep is null ? null : input, keep, t);
    }

    /// <summary>Gradients of A and B (and dx += …) from dy; <paramref name="x"/> is the projection's input as Forward saw it.</summary>
    public void Backward(IKernels k, Tensor dy, Tensor x, Cache cache, Tensor? dx)
    {
        var dt = k.Allocate(cache.T!.Shape);
        k.LinearBackward(dy, cache.T, B.AsWeight(), dt, B.GradTensor(), null);
        k.Scale(dt, Scale, dt);
        if (cache.Dropped is null)
        {
            k.LinearBackward(dt, x, A.AsWeight(), dx, A.GradTensor(), null);
            return;
        }

        var dInput = dx is null ? null : k.Allocate(x.Shape);
        k.LinearBackward(dt, cache.Dropped, A.AsWeight(), dInput, A.GradTensor(), null);
        if (dInput is not null) k.DropoutBackward(dInput, cache.Keep!, Options.Dropout, dx!);
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
        /// <summary>The input after dropout; null without dropout (the backward pass is given the input itself).</summary>
        public Tensor? Dropped { get; set; }
        public byte[]? Keep { get; set; }
        public Tensor? T { get; set; }
    }
}
