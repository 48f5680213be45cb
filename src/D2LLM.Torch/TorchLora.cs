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
    private readonly Tensor _a = TorchMirror.Leaf(host.A.Shape, device);
    private readonly Tensor _b = TorchMirror.Leaf(host.B.Shape, device);

    /// <summary>The update for input x in x's dtype; dropout only in training.</summary>
    public Tensor Apply(Tensor x, bool training)
    {
        var input = training && host.Options.Dropout > 0 ? nn.functional.dropout(x, host.Options.Dropout, training: true) : x;
        return nn.functional.linear(nn.functional.linear(input, _a.to(x.dtype), null), _b.to(x.dtype), null).mul(TorchScalars.Of(host.Scale));
    }

    private UInt128? _uploadedA, _uploadedB;

    /// <summary>Host values onto the device when they changed (an optimizer step, a loaded student).</summary>
    public void Upload()
    {
        TorchMirror.Upload(host.A.Value, _a, ref _uploadedA);
        TorchMirror.Upload(host.B.Value, _b, ref _uploadedB);
    }

    /// <summary>The device gradients added into the host ones, then cleared.</summary>
    public void AddGradients()
    {
        TorchMirror.AddGradient(_a, host.A.Grad);
        TorchMirror.AddGradient(_b, host.B.Grad);
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
