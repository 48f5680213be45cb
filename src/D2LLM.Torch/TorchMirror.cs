using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// Keeping a device leaf tensor in step with the host parameter the optimizer updates: host values uploaded when they
/// changed, device gradients added into the host's after a backward pass.
/// </summary>
internal static class TorchMirror
{
    /// <summary>
    /// Copies <paramref name="values"/> into <paramref name="leaf"/> unless they equal the last upload: a pass of several
    /// chunks uploads once, since overwriting a leaf that an earlier chunk's graph still holds would spoil its backward.
    /// </summary>
    public static void Upload(float[] values, Tensor leaf, ref float[]? uploaded)
    {
        if (uploaded is not null && values.AsSpan().SequenceEqual(uploaded)) return;
        using var noGrad = no_grad();
        using var source = tensor(values, leaf.shape);
        leaf.copy_(source);
        uploaded = (float[])values.Clone();
    }

    /// <summary>grad += the leaf's device gradient, which is then cleared.</summary>
    public static void AddGradient(Tensor leaf, float[] grad)
    {
        if (leaf.grad is not { } g) return;
        var values = g.to(ScalarType.Float32, CPU).data<float>().ToArray();
        System.Numerics.Tensors.TensorPrimitives.Add(grad, values, grad);
        g.zero_();
    }
}
