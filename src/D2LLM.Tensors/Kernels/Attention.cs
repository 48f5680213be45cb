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
/// Forward keeps P in probs for Backward; an empty probs (inference) keeps nothing, each worker reusing one block.
/// </summary>
public static unsafe class Attention
{
    /// <summary>The probabilities of one sequence and head when Forward does not keep them.</summary>
    [ThreadStatic] private static float[]? t_scores;

    /// <summary>1 / Σ exp of each query's row when Forward does not keep the probabilities (it divides the output instead).</summary>
    [ThreadStatic] private static float[]? t_inverseSums;

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
                int ldq = layout.QHeads * d, ldkv = layout.KvHeads * d, offset = lk - l;
                var qh = Rows(qq + (long)s * ldq + h * d, l, d, ldq);
                var kg = Rows(kk + (long)ks * ldkv + g * d, lk, d, ldkv);
                var vg = Rows(vv + (long)ks * ldkv + g * d, lk, d, ldkv);
                var oh = Rows(oo + (long)s * ldq + h * d, l, d, ldq);
                var p = ppp != null ? new Span<float>(ppp + layout.ProbsOffset(b) + (long)h * l * lk, l * lk) : Scratch(ref t_scores, l * lk);
                var inverseSums = mask == null ? Scratch(ref t_inverseSums, l) : default;

                Matmul.Multiply(false, true, l, lk, d, layout.Scale, qh, ldq, kg, ldkv, 0f, p, lk);
                if (mask == null)
                {
                    // Allowed keys form a prefix (causal) or the whole row: vectorised exponentials over it, normalised
                    // through the output rows after P·V (d divisions per query rather than lk), and in P itself only
                    // when it is kept: inference and training give the same bits.
                    for (int i = 0; i < l; i++)
                    {
                        var row = p.Slice(i * lk, lk);
                        int n = causal ? offset + i + 1 : lk;
                        inverseSums[i] = 1f / Softmax.Exponentials(row[..n], row[..n]);
                        row[n..].Clear();
                    }
                }
                else
                {
                    Span<byte> allowed = lk <= 4096 ? stackalloc byte[lk] : new byte[lk];
                    for (int i = 0; i < l; i++)
                    {
                        for (int j = 0; j < lk; j++) allowed[j] = (byte)(mask[ks + j] != 0 && (!causal || j <= offset + i) ? 1 : 0);
                        Softmax.Row(p.Slice(i * lk, lk), p.Slice(i * lk, lk), allowed);
                    }
                }

                Matmul.Multiply(false, false, l, d, lk, 1f, p, lk, vg, ldkv, 0f, oh, ldq);
                for (int i = 0; i < inverseSums.Length; i++)
                {
                    TensorPrimitives.Multiply(oh.Slice(i * ldq, d), inverseSums[i], oh.Slice(i * ldq, d));
                    if (ppp != null) TensorPrimitives.Multiply(p.Slice(i * lk, lk), inverseSums[i], p.Slice(i * lk, lk));
                }
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
                var ds = new float[l * lk];
                for (int h = g * layout.Group; h < (g + 1) * layout.Group; h++)
                {
                    var qh = Rows(qq + (long)s * ldq + h * d, l, d, ldq);
                    var doh = Rows(dOut + (long)s * ldq + h * d, l, d, ldq);
                    var dqh = Rows(dqq + (long)s * ldq + h * d, l, d, ldq);
                    var p = new ReadOnlySpan<float>(ppp + layout.ProbsOffset(b) + (long)h * l * lk, l * lk);

                    Matmul.Multiply(false, true, l, lk, d, 1f, doh, ldq, vg, ldkv, 0f, ds, lk);
                    Matmul.Multiply(true, false, lk, d, l, 1f, p, lk, doh, ldq, 1f, dvg, ldkv);
                    for (int i = 0; i < l; i++)
                    {
                        var pi = p.Slice(i * lk, lk);
                        var dsi = ds.AsSpan(i * lk, lk);
                        float dot = TensorPrimitives.Dot(pi, dsi);
                        for (int j = 0; j < lk; j++) dsi[j] = pi[j] * (dsi[j] - dot);
                    }

                    Matmul.Multiply(false, false, l, d, lk, layout.Scale, ds, lk, kg, ldkv, 1f, dqh, ldq);
                    Matmul.Multiply(true, false, lk, d, l, layout.Scale, ds, lk, qh, ldq, 1f, dkg, ldkv);
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
