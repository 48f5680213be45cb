using D2LLM.Tensors;
using D2LLM.Tensors.Kernels;

namespace D2LLM.Models;

/// <summary>Token states pooled into one vector per text, as every backbone pools them.</summary>
public static class PooledStates
{
    /// <summary>[texts, dim] from hidden states [tokens, dim] of a packed batch.</summary>
    public static float[] Of(IKernels kernels, Tensor hidden, TokenBatch batch, PoolingMode mode, int dim)
    {
        var host = new float[hidden.Length];
        kernels.CopyTo(hidden, host);
        var result = new float[batch.Count * dim];
        switch (mode)
        {
            case PoolingMode.Last: Pooling.LastForward(host, batch.Starts, result, dim); break;
            case PoolingMode.Mean: Pooling.MeanForward(host, batch.Starts, result, dim); break;
            default:
                for (int b = 0; b < batch.Count; b++) host.AsSpan(batch.Starts[b] * dim, dim).CopyTo(result.AsSpan(b * dim, dim));
                break;
        }

        return result;
    }
}
