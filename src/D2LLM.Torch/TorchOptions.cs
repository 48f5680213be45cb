using TorchSharp;

namespace D2LLM.Torch;

/// <summary>Where and in what precision the torch backend computes.</summary>
public sealed record TorchOptions
{
    /// <summary><c>auto</c>, <c>cuda</c> or <c>cpu</c> (see <see cref="TorchDevice"/>).</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Weights and activations: float32, or bfloat16 (GPU tensor cores, oneDNN's AMX/AVX512-BF16 paths on a CPU); norms and softmax stay float32.</summary>
    public torch.ScalarType DType { get; init; } = torch.ScalarType.Float32;
}
