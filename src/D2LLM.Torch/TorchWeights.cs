using D2LLM.Tensors;
using TorchSharp;

namespace D2LLM.Torch;

/// <summary>Checkpoint tensors (any stored dtype, memory-mapped) copied onto a torch device.</summary>
internal static class TorchWeights
{
    /// <summary>
    /// The weight as a torch tensor of its shape in <paramref name="dtype"/> on <paramref name="device"/>, read through
    /// float32 (exact for bf16 and f16 storage).
    /// </summary>
    public static torch.Tensor ToTorch(Weight w, torch.Device device, torch.ScalarType dtype)
    {
        var values = new float[w.Length];
        int columns = w.Columns;
        for (int r = 0; r < w.Rows; r++) w.ReadRow(r, values.AsSpan(r * columns, columns));
        using var host = torch.tensor(values, w.Shape.Select(d => (long)d).ToArray());
        return host.to(dtype, device);
    }
}
