namespace D2LLM.Tensors;

/// <summary>
/// The one seam between model code and compute. Models allocate tensors and run every layer through this
/// interface, never touching tensor memory themselves, so a GPU implementation of the same small kernel set can
/// be added without changing them. Backward methods add into gradient tensors (callers zero them); a null
/// gradient is skipped. <see cref="CpuKernels"/> is the implementation today.
/// </summary>
public interface IKernels
{
    Tensor Allocate(params int[] shape);

    /// <summary>Copies a tensor's values to host memory.</summary>
    void CopyTo(Tensor source, Span<float> destination);

    /// <summary>Copies host values into a tensor.</summary>
    void CopyFrom(ReadOnlySpan<float> source, Tensor destination);

    void Copy(Tensor source, Tensor destination);

    void Zero(Tensor t);

    void Embedding(ReadOnlySpan<int> ids, Weight table, Tensor y);

    /// <summary>dtable[ids[t]] += dy[t] (a float32 table's gradient).</summary>
    void EmbeddingBackward(ReadOnlySpan<int> ids, Tensor dy, Tensor dtable);

    /// <summary>y[n, out] = x[n, in]·Wᵀ + b (W is [out, in]).</summary>
    void Linear(Tensor x, Weight w, Weight? bias, Tensor y);

    void LinearBackward(Tensor dy, Tensor x, Weight w, Tensor? dx, Tensor? dw, Tensor? db);

    /// <summary>y += α·x·Wᵀ (the LoRA path adds a scaled low-rank product onto a projection).</summary>
    void LinearAccumulate(Tensor x, Weight w, float alpha, Tensor y);

    /// <summary>RMSNorm over rows of width <paramref name="dim"/> (the last axis, or head vectors).</summary>
    void RmsNorm(Tensor x, Weight w, Tensor y, Tensor? rstd, int dim, float eps);

    void RmsNormBackward(Tensor dy, Tensor x, Weight w, Tensor rstd, Tensor? dx, Tensor? dw, int dim);

    void LayerNorm(Tensor x, Weight w, Weight? b, Tensor y, Tensor? mean, Tensor? rstd, int dim, float eps);

    void LayerNormBackward(Tensor dy, Tensor x, Weight w, Tensor mean, Tensor rstd, Tensor? dx, Tensor? dw, Tensor? db, int dim);

    /// <summary>GELU, exact (erf) form; y may alias x.</summary>
    void Gelu(Tensor x, Tensor y);

    /// <summary>dx += dy ⊙ gelu'(x).</summary>
    void GeluBackward(Tensor x, Tensor dy, Tensor dx);

    void Relu(Tensor x, Tensor y);

    void ReluBackward(Tensor x, Tensor dy, Tensor dx);

    /// <summary>y[p] = a[ia[p]] + b[ib[p]], rows of width a's last axis.</summary>
    void PairSum(Tensor a, Tensor b, ReadOnlySpan<int> ia, ReadOnlySpan<int> ib, Tensor y);

    void PairSumBackward(Tensor dy, ReadOnlySpan<int> ia, ReadOnlySpan<int> ib, Tensor? da, Tensor? db);

    /// <summary>Pooling attention from seeds q[S, D] to each sequence's tokens; output [sequences·S, D].</summary>
    void SeedAttention(Tensor q, Tensor k, Tensor v, Tensor output, Tensor probs, ReadOnlySpan<int> starts, int heads, float scale, byte[]? keyMask);

    void SeedAttentionBackward(Tensor dOutput, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dq, Tensor dk, Tensor dv,
        ReadOnlySpan<int> starts, int heads, float scale);

    /// <summary>Rotates each head of x[tokens, heads·d] in place by its token's position.</summary>
    void Rope(Rotary rotary, Tensor x, ReadOnlySpan<int> positions, int heads);

    void RopeBackward(Rotary rotary, Tensor dy, Tensor dx, ReadOnlySpan<int> positions, int heads);

    /// <summary>
    /// Causal or full grouped-query attention over packed sequences; with <paramref name="kvStarts"/>, each sequence's
    /// queries are the last positions of a longer key/value sequence (cached prefix + new tokens). The attention
    /// probabilities are kept in <paramref name="probs"/> for <see cref="AttentionBackward"/>; inference passes null.
    /// </summary>
    void Attention(Tensor q, Tensor k, Tensor v, Tensor output, Tensor? probs, ReadOnlySpan<int> starts, int qHeads, int kvHeads, int headDim,
        bool causal, ReadOnlySpan<int> kvStarts = default);

    /// <summary>y[b] = the mean of x's rows [starts[b], starts[b+1]), into host memory (mean pooling).</summary>
    void MeanRows(Tensor x, ReadOnlySpan<int> starts, Span<float> y);

    /// <summary>y[i] = x[rows[i]], into host memory (first- or last-token pooling).</summary>
    void GatherRows(Tensor x, ReadOnlySpan<int> rows, Span<float> y);

    /// <summary>Copies <paramref name="rows"/> rows (of the last axis' width) between tensors.</summary>
    void CopyRows(Tensor source, int sourceRow, Tensor destination, int destinationRow, int rows);

    void AttentionBackward(Tensor dOutput, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dq, Tensor dk, Tensor dv,
        ReadOnlySpan<int> starts, int qHeads, int kvHeads, int headDim);

    void SwiGlu(Tensor gate, Tensor up, Tensor y);

    void SwiGluBackward(Tensor gate, Tensor up, Tensor dy, Tensor? dgate, Tensor? dup);

    /// <summary>y = α·x (y may alias x).</summary>
    void Scale(Tensor x, float alpha, Tensor y);

    /// <summary>y = a + b (y may alias a).</summary>
    void Add(Tensor a, Tensor b, Tensor y);

    /// <summary>y += x.</summary>
    void AddInPlace(Tensor y, Tensor x);

    /// <summary>y = x ⊙ mask/(1 − p), the mask drawn from <paramref name="seed"/> (Kernels.Dropout); nothing kept.</summary>
    void Dropout(Tensor x, Tensor y, float p, ulong seed);

    /// <summary>dx += dy ⊙ mask/(1 − p), the mask of <see cref="Dropout"/> with the same seed drawn again.</summary>
    void DropoutBackward(Tensor dy, float p, ulong seed, Tensor dx);
}
