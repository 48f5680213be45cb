using D2LLM.Tensors;

namespace D2LLM.Models;

/// <summary>Options for loading a model folder as a backbone or a decoder (a record: callers adjust a copy with <c>with</c>).</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Use only the first N layers (a faster, shallower backbone); the final norm still applies.</summary>
    public int? Layers { get; set; }

    /// <summary>The engine's kernels (float32, or <see cref="CpuKernels.Bf16"/>).</summary>
    public IKernels Kernels { get; set; } = CpuKernels.Instance;

    /// <summary>Ignore the folder's weights and draw random ones of its shape with this seed (to train a model from scratch).</summary>
    public int? RandomSeed { get; set; }
}
