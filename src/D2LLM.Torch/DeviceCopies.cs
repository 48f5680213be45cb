using D2LLM.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// A network's weights copied onto the device, each host tensor once, remembered by the host tensor so that they can
/// be named after the fact (full fine-tuning finds a device tensor by its checkpoint name).
/// </summary>
internal sealed class DeviceCopies(Device device, ScalarType dtype)
{
    private readonly Dictionary<Weight, Tensor> _copies = new(ReferenceEqualityComparer.Instance);

    public Tensor this[Weight w] => _copies.TryGetValue(w, out var t) ? t : _copies[w] = TorchWeights.ToTorch(w, device, dtype);

    /// <summary>The copied tensors under their checkpoint names (a host tensor never copied, such as an output head, is left out).</summary>
    public IReadOnlyDictionary<string, Tensor> Named(IEnumerable<(string Name, Weight Weight)> named) =>
        named.Where(n => _copies.ContainsKey(n.Weight)).ToDictionary(n => n.Name, n => _copies[n.Weight]);
}
