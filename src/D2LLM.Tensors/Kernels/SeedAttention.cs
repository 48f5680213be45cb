using D2LLM.Tensors.Threading;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Attention from S learned queries (seeds) to the tokens of each sequence — the pooling attention of PMA.
/// q[S, D] is shared by all sequences; k, v[T, D] hold the packed tokens, sequence b = [starts[b], starts[b+1]);
/// heads split D into H blocks of width d = D/H. For sequence b, seed s, head h, over unmasked tokens t:
///   e_t = scale·q[s,h]·k[t,h],  a = softmax(e),  o[b,s,h] = Σ_t a_t·v[t,h].
/// Backward: dv[t,h] += a_t·do;  da_t = do·v[t,h];  de = a ⊙ (da − Σ a⊙da);  dq[s,h] += scale·Σ_t de_t·k[t,h];
/// dk[t,h] += scale·de_t·q[s,h]. probs[(s·H + h)·T + t] keeps a for Backward.
/// </summary>
public static unsafe class SeedAttention
{
    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        Span<float> probs, ReadOnlySpan<int> starts, int seeds, int heads, int dim, float scale, ReadOnlySpan<byte> keyMask = default)
    {
        int tokens = starts[^1], d = dim / heads, sequences = starts.Length - 1;
        if (dim % heads != 0) throw new ArgumentException($"dimension {dim} is not divisible by {heads} heads");
        if (probs.Length < (long)seeds * heads * tokens) throw new ArgumentException("probs is too small");
        int[] st = starts.ToArray();
        fixed (float* pq = q, pk = k, pv = v, po = output, pp = probs)
        fixed (byte* pm = keyMask)
        {
            float* qq = pq, kk = pk, vv = pv, oo = po, ppp = pp;
            byte* mask = keyMask.IsEmpty ? null : pm;
            WorkerPool.Shared.Run(heads, h =>
            {
                for (int s = 0; s < seeds; s++)
                {
                    float* qs = qq + s * dim + h * d;
                    float* a = ppp + (long)(s * heads + h) * tokens;
                    for (int b = 0; b < sequences; b++)
                    {
                        int t0 = st[b], t1 = st[b + 1];
                        float max = float.NegativeInfinity;
                        for (int t = t0; t < t1; t++)
                        {
                            if (mask != null && mask[t] == 0) { a[t] = float.NegativeInfinity; continue; }
                            float e = scale * Dot(qs, kk + (long)t * dim + h * d, d);
                            a[t] = e;
                            if (e > max) max = e;
                        }

                        float sum = 0;
                        for (int t = t0; t < t1; t++) sum += a[t] = float.IsNegativeInfinity(max) ? 0f : MathF.Exp(a[t] - max);
                        float* o = oo + (long)(b * seeds + s) * dim + h * d;
                        new Span<float>(o, d).Clear();
                        for (int t = t0; t < t1; t++)
                        {
                            a[t] = sum > 0 ? a[t] / sum : 0f;
                            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(vv + (long)t * dim + h * d, d), a[t], new ReadOnlySpan<float>(o, d), new Span<float>(o, d));
                        }
                    }
                }
            });
        }
    }

    public static void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        ReadOnlySpan<float> probs, Span<float> dq, Span<float> dk, Span<float> dv, ReadOnlySpan<int> starts, int seeds, int heads, int dim, float scale)
    {
        int tokens = starts[^1], d = dim / heads, sequences = starts.Length - 1;
        int[] st = starts.ToArray();
        fixed (float* pdo = dOutput, pq = q, pk = k, pv = v, pp = probs, pdq = dq, pdk = dk, pdv = dv)
        {
            float* dOut = pdo, qq = pq, kk = pk, vv = pv, ppp = pp, dqq = pdq, dkk = pdk, dvv = pdv;
            WorkerPool.Shared.Run(heads, h =>
            {
                for (int s = 0; s < seeds; s++)
                {
                    float* qs = qq + s * dim + h * d, dqs = dqq + s * dim + h * d;
                    float* a = ppp + (long)(s * heads + h) * tokens;
                    for (int b = 0; b < sequences; b++)
                    {
                        float* dob = dOut + (long)(b * seeds + s) * dim + h * d;
                        float weighted = 0;
                        for (int t = st[b]; t < st[b + 1]; t++) weighted += a[t] * Dot(dob, vv + (long)t * dim + h * d, d);
                        for (int t = st[b]; t < st[b + 1]; t++)
                        {
                            if (a[t] == 0f) continue;
                            float* kt = kk + (long)t * dim + h * d, vt = vv + (long)t * dim + h * d;
                            float* dkt = dkk + (long)t * dim + h * d, dvt = dvv + (long)t * dim + h * d;
                            float de = scale * a[t] * (Dot(dob, vt, d) - weighted);
                            for (int j = 0; j < d; j++)
                            {
                                dvt[j] += a[t] * dob[j];
                                dqs[j] += de * kt[j];
                                dkt[j] += de * qs[j];
                            }
                        }
                    }
                }
            });
        }
    }

    private static float Dot(float* a, float* b, int n) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(new ReadOnlySpan<float>(a, n), new ReadOnlySpan<float>(b, n));
}
