using D2LLM.Models;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// A device copy of one <see cref="LoraAdapter"/>: A and B as float32 leaf tensors that autograd fills, mirrored from
/// and into the host parameters the optimizer updates (a few MB per step: the adapters, never the frozen weights).
/// y += s·(drop(x)·Aᵀ)·Bᵀ, as the CPU engine computes it.
/// </summary>
internal sealed class TorchLora(LoraAdapter host, Device device) : IDisposable
{
    private readonly Tensor _a = zeros(host.A.Shape.Select(d => (long)d).ToArray(), ScalarType.Float32, device, requires_grad: true);
    private readonly Tensor _b = zeros(host.B.Shape.Select(d => (long)d).ToArray(), ScalarType.Float32, device, requires_grad: true);

    /// <summary>The update for input x in x's dtype; dropout only in training.</summary>
    public Tensor Apply(Tensor x, bool training)
    {
        var input = training && host.Options.Dropout > 0 ? nn.functional.dropout(x, host.Options.Dropout, training: true) : x;
        return nn.functional.linear(nn.functional.linear(input, _a.to(x.dtype), null), _b.to(x.dtype), null) * host.Scale;
    }

    private float[]? _uploadedA, _uploadedB;

    /// <summary>
    /// Host values onto the device when they changed (an optimizer step): a pass of several chunks uploads once, since
    /// overwriting a leaf that an earlier chunk's graph still holds would spoil that chunk's backward.
    /// </summary>
    public void Upload()
    {
        using var noGrad = no_grad();
        Copy(host.A.Value, _a, ref _uploadedA);
        Copy(host.B.Value, _b, ref _uploadedB);
    }

    /// <summary>The device gradients added into the host ones, then cleared.</summary>
    public void AddGradients()
    {
        Add(_a, host.A.Grad);
        Add(_b, host.B.Grad);
    }

    private static void Copy(float[] values, Tensor leaf, ref float[]? uploaded)
    {
        if (uploaded is not null && values.AsSpan().SequenceEqual(uploaded)) return;
        using var source = tensor(values, leaf.shape);
        leaf.copy_(source);
        uploaded = (float[])values.Clone();
    }

    private static void Add(Tensor leaf, float[] grad)
    {
        if (leaf.grad is not { } g) return;
        var values = g.to(ScalarType.Float32, CPU).data<float>().ToArray();
        System.Numerics.Tensors.TensorPrimitives.Add(grad, values, grad);
        g.zero_();
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
