using D2LLM.Tensors.Gemm;
using D2LLM.Tensors.Kernels;
using D2LLM.Tensors.Threading;

namespace D2LLM.Tensors;

/// <summary>The CPU implementation of <see cref="IKernels"/>: SIMD kernels on the shared worker pool.</summary>
public sealed class CpuKernels : IKernels
{
    // Rotary tables by description: a model asks for its own once, and every layer reads the same one.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Rotary, Rope> _rotaryTables = new();

    /// <summary>Kernels computing in float32 throughout.</summary>
    public CpuKernels()
        : this(GemmKernel.Auto)
    {
    }

    private CpuKernels(GemmKernel linearKernel) => LinearKernel = linearKernel;

    public static CpuKernels Instance { get; } = new();

    /// <summary>
    /// Kernels whose Linear layers take bf16 inputs on the CPU's bf16 units: AMX tiles where present
    /// (<see cref="GemmKernel.AmxBf16"/>), else AVX512-BF16 dot products (<see cref="GemmKernel.Avx512Bf16"/>: twice the
    /// multiply-adds); activations, and float32 weights, rounded to bf16 as they are packed; sums in float32.
    /// <see cref="Instance"/> where the CPU has neither. Their input gradients (dy·W) run there too; weight gradients stay float32.
    /// </summary>
    public static CpuKernels Bf16 => s_bf16.Value;

    // Deciding maps the machine code into executable pages (and asks Linux for the tile state): only for a process that asks.
    private static readonly Lazy<CpuKernels> s_bf16 = new(() =>
        Matmul.IsSupported(GemmKernel.AmxBf16) ? new(GemmKernel.AmxBf16)
        : Matmul.IsSupported(GemmKernel.Avx512Bf16) ? new(GemmKernel.Avx512Bf16)
        : Instance);

    /// <summary>The GEMM kernel of Linear layers' forward passes and input gradients.</summary>
    public GemmKernel LinearKernel { get; }

    private Rope Table(Rotary rotary) => _rotaryTables.GetOrAdd(rotary, r => new Rope(r.HeadDim, r.MaxPositions, r.Theta));

    public Tensor Allocate(params int[] shape) => new(shape);

    public void CopyTo(Tensor source, Span<float> destination) => source.Span.CopyTo(destination);

    public void CopyFrom(ReadOnlySpan<float> source, Tensor destination) => source.CopyTo(destination.Span);

    public void Copy(Tensor source, Tensor destination) => source.Span.CopyTo(destination.Span);

    public void Zero(Tensor t) => t.Span.Clear();

    public void Embedding(ReadOnlySpan<int> ids, Weight table, Tensor y)
    {
        int dim = table.Columns;
        switch (table.DType)
        {
            case DType.F32: Kernels.Embedding.Forward(ids, table.Span<float>(), y.Span, dim); break;
            case DType.BF16: Kernels.Embedding.Forward(ids, table.Span<BFloat16>(), y.Span, dim); break;
            default: Kernels.Embedding.Forward(ids, table.Span<Half>(), y.Span, dim); break;
        }
    }

    public void EmbeddingBackward(ReadOnlySpan<int> ids, Tensor dy, Tensor dtable) =>
        Kernels.Embedding.Backward(ids, dy.Span, dtable.Span, dtable.Shape[^1]);

    public void Linear(Tensor x, Weight w, Weight? bias, Tensor y)
    {
        int rows = x.Length / w.Columns;
        var b = bias is null ? ReadOnlySpan<float>.Empty : bias.Span<float>();
        switch (w.DType)
        {
            case DType.F32: Kernels.Linear.Forward(x.Span, w.Span<float>(), b, y.Span, rows, w.Columns, w.Rows, LinearKernel); break;
            case DType.BF16: Kernels.Linear.Forward(x.Span, w.Span<BFloat16>(), b, y.Span, rows, w.Columns, w.Rows, LinearKernel); break;
            default: Kernels.Linear.Forward(x.Span, w.Span<Half>(), b, y.Span, rows, w.Columns, w.Rows); break;
        }
    }

    public void LinearBackward(Tensor dy, Tensor x, Weight w, Tensor? dx, Tensor? dw, Tensor? db)
    {
        int rows = x.Length / w.Columns;
        Span<float> dxs = dx is null ? default : dx.Span, dws = dw is null ? default : dw.Span, dbs = db is null ? default : db.Span;
        switch (w.DType)
        {
            case DType.F32: Kernels.Linear.Backward(dy.Span, x.Span, w.Span<float>(), dxs, dws, dbs, rows, w.Columns, w.Rows, LinearKernel); break;
            case DType.BF16: Kernels.Linear.Backward(dy.Span, x.Span, w.Span<BFloat16>(), dxs, dws, dbs, rows, w.Columns, w.Rows, LinearKernel); break;
            default: Kernels.Linear.Backward(dy.Span, x.Span, w.Span<Half>(), dxs, dws, dbs, rows, w.Columns, w.Rows); break;
        }
    }

    public void LinearAccumulate(Tensor x, Weight w, float alpha, Tensor y)
    {
        int rows = x.Length / w.Columns;
        Matmul.Multiply(false, true, rows, w.Rows, w.Columns, alpha, x.Span, w.Columns, w.Span<float>(), w.Columns, 1f, y.Span, w.Rows);
    }

    public void RmsNorm(Tensor x, Weight w, Tensor y, Tensor? rstd, int dim, float eps) =>
        Kernels.RmsNorm.Forward(x.Span, w.Span<float>(), y.Span, rstd is null ? default : rstd.Span, x.Length / dim, dim, eps);

    public void RmsNormBackward(Tensor dy, Tensor x, Weight w, Tensor rstd, Tensor? dx, Tensor? dw, int dim) =>
        Kernels.RmsNorm.Backward(dy.Span, x.Span, w.Span<float>(), rstd.Span, dx is null ? default : dx.Span,
            dw is null ? default : dw.Span, x.Length / dim, dim);

    public void LayerNorm(Tensor x, Weight w, Weight? b, Tensor y, Tensor? mean, Tensor? rstd, int dim, float eps) =>
        InParts(x.Length / dim, dim, (row, rows) => Kernels.LayerNorm.Forward(x.Span.Slice(row * dim, rows * dim), w.Span<float>(),
            b is null ? default : b.Span<float>(), y.Span.Slice(row * dim, rows * dim), mean is null ? default : mean.Span.Slice(row, rows),
            rstd is null ? default : rstd.Span.Slice(row, rows), rows, dim, eps));

    public void LayerNormBackward(Tensor dy, Tensor x, Weight w, Tensor mean, Tensor rstd, Tensor? dx, Tensor? dw, Tensor? db, int dim) =>
        Kernels.LayerNorm.Backward(dy.Span, x.Span, w.Span<float>(), mean.Span, rstd.Span, dx is null ? default : dx.Span,
            dw is null ? default : dw.Span, db is null ? default : db.Span, x.Length / dim, dim);

    public void Gelu(Tensor x, Tensor y) => InParts(x.Length, (start, n) => Kernels.Gelu.Forward(x.Span.Slice(start, n), y.Span.Slice(start, n)));

    public void GeluBackward(Tensor x, Tensor dy, Tensor dx) =>
        InParts(x.Length, (start, n) => Kernels.Gelu.Backward(x.Span.Slice(start, n), dy.Span.Slice(start, n), dx.Span.Slice(start, n)));

    public void Relu(Tensor x, Tensor y) => Kernels.Relu.Forward(x.Span, y.Span);

    public void ReluBackward(Tensor x, Tensor dy, Tensor dx) => Kernels.Relu.Backward(x.Span, dy.Span, dx.Span);

    public void PairSum(Tensor a, Tensor b, ReadOnlySpan<int> ia, ReadOnlySpan<int> ib, Tensor y) =>
        Kernels.PairSum.Forward(a.Span, b.Span, ia, ib, y.Span, a.Dim(-1));

    public void PairSumBackward(Tensor dy, ReadOnlySpan<int> ia, ReadOnlySpan<int> ib, Tensor? da, Tensor? db) =>
        Kernels.PairSum.Backward(dy.Span, ia, ib, da is null ? default : da.Span, db is null ? default : db.Span, dy.Dim(-1));

    public void SeedAttention(Tensor q, Tensor k, Tensor v, Tensor output, Tensor probs, ReadOnlySpan<int> starts, int heads, float scale, byte[]? keyMask) =>
        Kernels.SeedAttention.Forward(q.Span, k.Span, v.Span, output.Span, probs.Span, starts, q.Dim(0), heads, q.Dim(-1), scale, keyMask);

    public void SeedAttentionBackward(Tensor dOutput, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dq, Tensor dk, Tensor dv,
        ReadOnlySpan<int> starts, int heads, float scale) =>
        Kernels.SeedAttention.Backward(dOutput.Span, q.Span, k.Span, v.Span, probs.Span, dq.Span, dk.Span, dv.Span, starts, q.Dim(0), heads, q.Dim(-1), scale);

    public void Rope(Rotary rotary, Tensor x, ReadOnlySpan<int> positions, int heads) => Table(rotary).Forward(x.Span, x.Span, positions, heads);

    public void RopeBackward(Rotary rotary, Tensor dy, Tensor dx, ReadOnlySpan<int> positions, int heads) =>
        Table(rotary).Backward(dy.Span, dx.Span, positions, heads);

    public void Attention(Tensor q, Tensor k, Tensor v, Tensor output, Tensor? probs, ReadOnlySpan<int> starts, int qHeads,
        int kvHeads, int headDim, bool causal, ReadOnlySpan<int> kvStarts = default) =>
        Kernels.Attention.Forward(q.Span, k.Span, v.Span, output.Span, probs is null ? default : probs.Span, starts, qHeads, kvHeads, headDim, causal, kvStarts: kvStarts);

    public void MeanRows(Tensor x, ReadOnlySpan<int> starts, Span<float> y) => Pooling.MeanForward(x.Span, starts, y, x.Dim(-1));

    public void GatherRows(Tensor x, ReadOnlySpan<int> rows, Span<float> y)
    {
        int dim = x.Dim(-1);
        for (int i = 0; i < rows.Length; i++) x.Span.Slice(rows[i] * dim, dim).CopyTo(y.Slice(i * dim, dim));
    }

    public void CopyRows(Tensor source, int sourceRow, Tensor destination, int destinationRow, int rows)
    {
        int width = source.Dim(-1);
        source.Span.Slice(sourceRow * width, rows * width).CopyTo(destination.Span.Slice(destinationRow * width, rows * width));
    }

    public void AttentionBackward(Tensor dOutput, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dq, Tensor dk, Tensor dv,
        ReadOnlySpan<int> starts, int qHeads, int kvHeads, int headDim) =>
        Kernels.Attention.Backward(dOutput.Span, q.Span, k.Span, v.Span, probs.Span, dq.Span, dk.Span, dv.Span, starts, qHeads, kvHeads, headDim);

    public void SwiGlu(Tensor gate, Tensor up, Tensor y) => Kernels.SwiGlu.Forward(gate.Span, up.Span, y.Span);

    public void SwiGluBackward(Tensor gate, Tensor up, Tensor dy, Tensor? dgate, Tensor? dup) =>
        Kernels.SwiGlu.Backward(gate.Span, up.Span, dy.Span, dgate is null ? default : dgate.Span, dup is null ? default : dup.Span);

    public void Scale(Tensor x, float alpha, Tensor y) => System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, alpha, y.Span);

    public void Add(Tensor a, Tensor b, Tensor y) =>
        InParts(a.Length, (start, n) => Residual.Forward(a.Span.Slice(start, n), b.Span.Slice(start, n), y.Span.Slice(start, n)));

    public void AddInPlace(Tensor y, Tensor x) => InParts(y.Length, (start, n) => Residual.Backward(x.Span.Slice(start, n), y.Span.Slice(start, n), default));

    public void Dropout(Tensor x, Tensor y, float p, ulong seed) =>
        InParts(x.Length, (start, n) => Kernels.Dropout.Forward(x.Span.Slice(start, n), y.Span.Slice(start, n), p, seed, start));

    public void DropoutBackward(Tensor dy, float p, ulong seed, Tensor dx) =>
        InParts(dy.Length, (start, n) => Kernels.Dropout.Backward(dy.Span.Slice(start, n), dx.Span.Slice(start, n), p, seed, start));

    /// <summary>An elementwise kernel over [0, length) in contiguous parts on the worker pool (one part when short).</summary>
    private static void InParts(int length, Action<int, int> body) => InParts(length, 1, body);

    /// <summary>A row-wise kernel over rows [0, rows) of <paramref name="width"/> values, in contiguous parts as above.</summary>
    private static void InParts(int rows, int width, Action<int, int> body)
    {
        int parts = (int)Math.Clamp((long)rows * width / 16384, 1, WorkerPool.Shared.Size);
        int per = (rows + parts - 1) / parts;
        WorkerPool.Shared.Run(parts, p =>
        {
            int start = p * per, n = Math.Min(per, rows - start);
            if (n > 0) body(start, n);
        });
    }
}
