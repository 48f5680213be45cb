using System.Numerics.Tensors;
using D2LLM.Tensors.Gemm;
using D2LLM.Tensors.Threading;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Scaled dot-product attention over packed variable-length sequences, with grouped-query heads.
/// Layout: q[T, Hq, d], k and v[T, Hkv, d], output[T, Hq, d]; sequence b holds tokens [starts[b], starts[b+1]),
/// so texts of different lengths share one batch with no padding and never see each other. Query head h reads
/// key/value head h / (Hq/Hkv). Per sequence and head:
///   S = scale·Q·Kᵀ,  P = softmax(S) over allowed keys (key mask ≠ 0; j ≤ i when causal),  O = P·V.
/// With separate key/value sequences (kvStarts), sequence b's Lq queries are the last Lq positions of its Lk keys
/// (a cached prefix followed by the new tokens): causal then allows key j for query i when j ≤ Lk − Lq + i.
/// Backward: dV = Pᵀ·dO;  dP = dO·Vᵀ;  dS = P ⊙ (dP − rowsum(P ⊙ dP));  dQ = scale·dS·K;  dK = scale·dSᵀ·Q,
/// summed over the query heads of a group for dK and dV.
/// Each sequence and head works on the key-major block Sᵀ = scale·K·Qᵀ (<see cref="KeyMajorSoftmax"/>: the softmax
/// vectorised along the queries, and P·V, dV and dK read Pᵀ's rows as stored); the backward likewise forms dSᵀ.
/// Forward keeps Pᵀ in probs for Backward; an empty probs (inference) keeps nothing, each worker reusing one block, and
/// divides the output rows by the softmax sums rather than P (d values per query instead of one per key).
/// </summary>
public static unsafe class Attention
{
    /// <summary>The probabilities of one sequence and head when Forward does not keep them.</summary>
    [ThreadStatic] private static float[]? t_scores;

    /// <summary>Per query of the block: the softmax's max, then 1 / Σ exp.</summary>
    [ThreadStatic] private static float[]? t_max, t_inverseSums;

    /// <summary>Length of the probability buffer Forward fills and Backward reads: heads · Σ_b Lq_b·Lk_b.</summary>
    public static long ProbsLength(ReadOnlySpan<int> starts, int qHeads, ReadOnlySpan<int> kvStarts = default)
    {
        if (kvStarts.IsEmpty) kvStarts = starts;
        long total = 0;
        for (int b = 0; b + 1 < starts.Length; b++) total += (long)(starts[b + 1] - starts[b]) * (kvStarts[b + 1] - kvStarts[b]);
        return total * qHeads;
    }

    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        Span<float> probs, ReadOnlySpan<int> starts, int qHeads, int kvHeads, int headDim, bool causal,
        ReadOnlySpan<byte> keyMask = default, float scale = float.NaN, ReadOnlySpan<int> kvStarts = default)
    {
        var layout = new Layout(starts, kvStarts, qHeads, kvHeads, headDim, scale, q.Length, k.Length, v.Length, probs.Length, probsOptional: true);
        fixed (float* pq = q, pk = k, pv = v, po = output, pp = probs)
        fixed (byte* pm = keyMask)
        {
            float* qq = pq, kk = pk, vv = pv, oo = po, ppp = pp;
            byte* mask = keyMask.IsEmpty ? null : pm;
            WorkerPool.Shared.Run(layout.Sequences * qHeads, item =>
            {
                int b = item / layout.QHeads, h = item % layout.QHeads, g = h / layout.Group;
                int s = layout.Start(b), l = layout.Length(b), ks = layout.KvStart(b), lk = layout.KvLength(b), d = layout.HeadDim;
                int ldq = layout.QHeads * d, ldkv = layout.KvHeads * d;
                var qh = Rows(qq + (long)s * ldq + h * d, l, d, ldq);
                var kg = Rows(kk + (long)ks * ldkv + g * d, lk, d, ldkv);
                var vg = Rows(vv + (long)ks * ldkv + g * d, lk, d, ldkv);
                var oh = Rows(oo + (long)s * ldq + h * d, l, d, ldq);
                var pt = ppp != null ? new Span<float>(ppp + layout.ProbsOffset(b) + (long)h * l * lk, l * lk) : Scratch(ref t_scores, l * lk);
                var inverseSums = Scratch(ref t_inverseSums, l);

                // Sᵀ = scale·K·Qᵀ; with one query Sᵀ and S are the same vector, and Q·Kᵀ fills the GEMM's tiles better.
                if (l == 1) Matmul.Multiply(false, true, 1, lk, d, layout.Scale, qh, ldq, kg, ldkv, 0f, pt, lk);
                else Matmul.Multiply(false, true, lk, l, d, layout.Scale, kg, ldkv, qh, ldq, 0f, pt, l);
                KeyMajorSoftmax.Exponentials(pt, lk, l, causal, mask == null ? default : new ReadOnlySpan<byte>(mask + ks, lk),
                    Scratch(ref t_max, l), inverseSums);
                Matmul.Multiply(true, false, l, d, lk, 1f, pt, l, vg, ldkv, 0f, oh, ldq);
                for (int i = 0; i < l; i++) TensorPrimitives.Multiply(oh.Slice(i * ldq, d), inverseSums[i], oh.Slice(i * ldq, d));
                if (ppp != null) KeyMajorSoftmax.Normalise(pt, lk, l, inverseSums);
            });
        }
    }

    /// <summary>dq, dk, dv += the gradients of the attention output; probs as left by Forward.</summary>
    public static void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> q, ReadOnlySpan<float> k,
        ReadOnlySpan<float> v, ReadOnlySpan<float> probs, Span<float> dq, Span<float> dk, Span<float> dv,
        ReadOnlySpan<int> starts, int qHeads, int kvHeads, int headDim, float scale = float.NaN, ReadOnlySpan<int> kvStarts = default)
    {
        var layout = new Layout(starts, kvStarts, qHeads, kvHeads, headDim, scale, q.Length, k.Length, v.Length, probs.Length, probsOptional: false);
        fixed (float* pdo = dOutput, pq = q, pk = k, pv = v, pp = probs, pdq = dq, pdk = dk, pdv = dv)
        {
            float* dOut = pdo, qq = pq, kk = pk, vv = pv, ppp = pp, dqq = pdq, dkk = pdk, dvv = pdv;
            WorkerPool.Shared.Run(layout.Sequences * kvHeads, item =>
            {
                int b = item / layout.KvHeads, g = item % layout.KvHeads;
                int s = layout.Start(b), l = layout.Length(b), ks = layout.KvStart(b), lk = layout.KvLength(b), d = layout.HeadDim;
                int ldq = layout.QHeads * d, ldkv = layout.KvHeads * d;
                var kg = Rows(kk + (long)ks * ldkv + g * d, lk, d, ldkv);
                var vg = Rows(vv + (long)ks * ldkv + g * d, lk, d, ldkv);
                var dkg = Rows(dkk + (long)ks * ldkv + g * d, lk, d, ldkv);
                var dvg = Rows(dvv + (long)ks * ldkv + g * d, lk, d, ldkv);
                var dst = new float[l * lk];
                var dots = new float[l];
                for (int h = g * layout.Group; h < (g + 1) * layout.Group; h++)
                {
                    var qh = Rows(qq + (long)s * ldq + h * d, l, d, ldq);
                    var doh = Rows(dOut + (long)s * ldq + h * d, l, d, ldq);
                    var dqh = Rows(dqq + (long)s * ldq + h * d, l, d, ldq);
                    var pt = new ReadOnlySpan<float>(ppp + layout.ProbsOffset(b) + (long)h * l * lk, l * lk);

                    // dPᵀ = V·dOᵀ;  dV += Pᵀ·dO;  dSᵀ = Pᵀ ⊙ (dPᵀ − colsum(Pᵀ ⊙ dPᵀ));  dQ += scale·(dSᵀ)ᵀ·K;  dK += scale·dSᵀ·Q
                    Matmul.Multiply(false, true, lk, l, d, 1f, vg, ldkv, doh, ldq, 0f, dst, l);
                    Matmul.Multiply(false, false, lk, d, l, 1f, pt, l, doh, ldq, 1f, dvg, ldkv);
                    Array.Clear(dots);
                    for (int p = 0; p < lk; p++)
                        TensorPrimitives.FusedMultiplyAdd(pt.Slice(p * l, l), dst.AsSpan(p * l, l), dots, dots);
                    for (int p = 0; p < lk; p++)
                    {
                        var row = dst.AsSpan(p * l, l);
                        TensorPrimitives.Subtract(row, dots, row);
                        TensorPrimitives.Multiply(row, pt.Slice(p * l, l), row);
                    }

                    Matmul.Multiply(true, false, l, d, lk, layout.Scale, dst, l, kg, ldkv, 1f, dqh, ldq);
                    Matmul.Multiply(false, false, lk, d, l, layout.Scale, dst, l, qh, ldq, 1f, dkg, ldkv);
                }
            });
        }
    }

    private static Span<float> Scratch(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = new float[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>A span over l rows of width d at stride ld, as the GEMM reads it.</summary>
    private static Span<float> Rows(float* p, int l, int d, int ld) => new(p, l == 0 ? 0 : (l - 1) * ld + d);

    /// <summary>Sizes and offsets shared by Forward and Backward, checked once.</summary>
    private sealed class Layout
    {
        private readonly int[] _starts;
        private readonly int[] _kvStarts;
        private readonly long[] _probsOffsets;

        public Layout(ReadOnlySpan<int> starts, ReadOnlySpan<int> kvStarts, int qHeads, int kvHeads, int headDim, float scale,
            long qLength, long kLength, long vLength, long probsLength, bool probsOptional)
        {
            if (starts.Length < 1 || starts[0] != 0) throw new ArgumentException("sequence starts must begin at 0");
            _kvStarts = kvStarts.IsEmpty ? starts.ToArray() : kvStarts.ToArray();
            if (_kvStarts.Length != starts.Length) throw new ArgumentException("query and key/value sequence counts differ");
            if (kvHeads <= 0 || qHeads % kvHeads != 0) throw new ArgumentException($"query heads ({qHeads}) must be a multiple of key/value heads ({kvHeads})");
            _starts = starts.ToArray();
            Sequences = starts.Length - 1;
            QHeads = qHeads;
            KvHeads = kvHeads;
            Group = qHeads / kvHeads;
            HeadDim = headDim;
            Scale = float.IsNaN(scale) ? 1f / MathF.Sqrt(headDim) : scale;
            _probsOffsets = new long[Sequences];
            long offset = 0;
            for (int b = 0; b < Sequences; b++)
            {
                if (_starts[b + 1] < _starts[b]) throw new ArgumentException("sequence starts must not decrease");
                if (KvLength(b) < Length(b)) throw new ArgumentException($"sequence {b} has fewer keys ({KvLength(b)}) than queries ({Length(b)})");
                _probsOffsets[b] = offset;
                offset += (long)Length(b) * KvLength(b) * qHeads;
            }

            long tokens = _starts[Sequences], kvTokens = _kvStarts[Sequences];
            if (qLength < tokens * qHeads * headDim) throw new ArgumentException($"q holds {qLength} values, {tokens} tokens need {tokens * qHeads * headDim}");
            if (kLength < kvTokens * kvHeads * headDim || vLength < kvTokens * kvHeads * headDim) throw new ArgumentException("k or v is smaller than the sequences need");
            if (probsLength < offset && (probsLength != 0 || !probsOptional)) throw new ArgumentException($"probs holds {probsLength} values, {offset} are needed");
        }

        public int Sequences { get; }
        public int QHeads { get; }
        public int KvHeads { get; }
        public int Group { get; }
        public int HeadDim { get; }
        public float Scale { get; }
        public int Start(int b) => _starts[b];
        public int Length(int b) => _starts[b + 1] - _starts[b];
        public int KvStart(int b) => _kvStarts[b];
        public int KvLength(int b) => _kvStarts[b + 1] - _kvStarts[b];
        public long ProbsOffset(int b) => _probsOffsets[b];
    }
}
