using D2LLM.Tensors;

namespace D2LLM.Models;

/// <summary>Token states pooled into one vector per text, as every backbone pools them.</summary>
public static class PooledStates
{
    /// <summary>[texts, dim] from hidden states [tokens, dim] of a packed batch.</summary>
    public static float[] Of(IKernels kernels, Tensor hidden, TokenBatch batch, PoolingMode mode, int dim)
    {
        var result = new float[batch.Count * dim];
        if (mode == PoolingMode.Mean)
        {
            kernels.MeanRows(hidden, batch.Starts, result);
            return result;
        }

        var rows = new int[batch.Count];
        for (int b = 0; b < batch.Count; b++) rows[b] = mode == PoolingMode.Last ? batch.Last(b) : batch.Starts[b];
        kernels.GatherRows(hidden, rows, result);
        return result;
    }
}
