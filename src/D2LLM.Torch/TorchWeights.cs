using D2LLM.Tensors;
using TorchSharp;

namespace D2LLM.Torch;

/// <summary>Checkpoint tensors (any stored dtype, memory-mapped) copied onto a torch device.</summary>
internal static class TorchWeights
{
    /// <summary>Values widened per chunk: a whole float32 copy of each weight would be garbage as large as the model.</summary>
    private const int ChunkValues = 1 << 20;

    /// <summary>
    /// The weight as a torch tensor of its shape in <paramref name="dtype"/> on <paramref name="device"/>, read through
    /// float32 (exact for bf16 and f16 storage) a few rows at a time.
    /// </summary>
    public static torch.Tensor ToTorch(Weight w, torch.Device device, torch.ScalarType dtype)
    {
        using var noGrad = torch.no_grad();
        int rows = w.Rows, columns = w.Columns, rowsPerChunk = Math.Max(1, Math.Min(rows, ChunkValues / columns));
        var result = torch.empty([rows, columns], dtype, device);
        var buffer = new float[rowsPerChunk * columns];
        for (int r0 = 0; r0 < rows; r0 += rowsPerChunk)
        {
            int n = Math.Min(rowsPerChunk, rows - r0);
            for (int i = 0; i < n; i++) w.ReadRow(r0 + i, buffer.AsSpan(i * columns, columns));
            using var chunk = torch.tensor(buffer, [rowsPerChunk, columns]); // a copy of the buffer as it is now
            using var part = chunk.narrow(0, 0, n);
            using var target = result.narrow(0, r0, n);
            target.copy_(part);
        }

        return result.view(w.Shape.Select(d => (long)d).ToArray());
    }
}
