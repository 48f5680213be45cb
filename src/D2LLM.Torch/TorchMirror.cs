using System.Runtime.InteropServices;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// Moving values between host and device: leaves for host parameters, kept in step with what the optimizer updates
/// (host values uploaded when they changed, device gradients added into the host's after a backward pass), and device
/// results copied back as float32.
/// </summary>
internal static class TorchMirror
{
    /// <summary>A float32 zero leaf of a host parameter's shape on the device, for autograd to fill (uploads give it values).</summary>
    public static Tensor Leaf(int[] shape, Device device) => zeros(shape.Select(d => (long)d).ToArray(), ScalarType.Float32, device, requires_grad: true);

    /// <summary>A device tensor's values as float32 on the host.</summary>
    public static float[] ToHost(Tensor t)
    {
        using var host = Float32OnHost(t);
        return MemoryMarshal.Cast<byte, float>(host.bytes).ToArray();
    }

    /// <summary>
    /// The tensor as contiguous float32 on the CPU, intermediates disposed: outside a dispose scope an undisposed tensor
    /// keeps its memory (a GPU's too) until a finalizer runs, and a full fine-tuning step converts every gradient.
    /// </summary>
    private static Tensor Float32OnHost(Tensor t)
    {
        using var moved = t.to(ScalarType.Float32, CPU);
        return moved.contiguous();
    }

    /// <summary>
    /// Copies <paramref name="values"/> into <paramref name="leaf"/> unless they are what was uploaded last: a pass of
    /// several chunks uploads once, since overwriting a leaf that an earlier chunk's graph still holds would spoil its
    /// backward. The last upload is known by its 128-bit XXH3 hash, not a copy: a copy was one more float32 set of every
    /// trainable weight on the host (2 GB for a fully tuned 0.5B backbone).
    /// </summary>
    public static void Upload(float[] values, Tensor leaf, ref UInt128? uploaded)
    {
        var hash = System.IO.Hashing.XxHash128.HashToUInt128(MemoryMarshal.AsBytes(values.AsSpan()));
        if (uploaded == hash) return;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope(); // the source, and the handle copy_ returns
        leaf.copy_(tensor(values, leaf.shape));
        uploaded = hash;
    }

    /// <summary>grad += the leaf's device gradient, which is then cleared; read in place on the host, never copied to an array.</summary>
    public static void AddGradient(Tensor leaf, float[] grad)
    {
        using var scope = NewDisposeScope(); // the gradient's handle, its host conversion, and the handle zero_ returns
        if (leaf.grad is not { } g) return;
        System.Numerics.Tensors.TensorPrimitives.Add(grad, MemoryMarshal.Cast<byte, float>(Float32OnHost(g).bytes), grad);
        g.zero_();
    }
}
