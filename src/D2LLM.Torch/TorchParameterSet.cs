using D2LLM.Tensors.Optim;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// Full fine-tuning on the device: each host <see cref="Parameter"/> (float32, what the optimizer updates) paired with the
/// device copy of its weight, made a leaf that autograd fills. Host values are uploaded before a pass when they changed
/// (known by the last upload's hash), and device gradients added into the host's after each backward.
/// </summary>
internal sealed class TorchParameterSet
{
    private readonly List<(Parameter Host, Tensor Device)> _pairs = [];
    private UInt128?[] _uploaded = [];

    /// <summary>Makes each parameter's device weight (found by its checkpoint name) trainable.</summary>
    public void Mirror(IEnumerable<Parameter> parameters, IReadOnlyDictionary<string, Tensor> deviceWeights)
    {
        foreach (var p in parameters)
        {
            if (!deviceWeights.TryGetValue(p.Name, out var weight)) throw new InvalidOperationException($"{p.Name}: no device copy of this weight");
            weight.requires_grad_(true);
            _pairs.Add((p, weight));
        }

        _uploaded = new UInt128?[_pairs.Count];
    }

    /// <summary>Float32 device leaves made for host parameters that have no device copy (a head's), mirrored; by parameter.</summary>
    public IReadOnlyDictionary<Parameter, Tensor> Own(IReadOnlyList<Parameter> parameters, TorchSharp.torch.Device device)
    {
        var leaves = parameters.ToDictionary(p => p, p => TorchMirror.Leaf(p.Shape, device));
        Mirror(parameters, leaves.ToDictionary(e => e.Key.Name, e => e.Value));
        return leaves;
    }

    public void Upload()
    {
        for (int i = 0; i < _pairs.Count; i++) TorchMirror.Upload(_pairs[i].Host.Value, _pairs[i].Device, ref _uploaded[i]);
    }

    public void AddGradients()
    {
        foreach (var (host, device) in _pairs) TorchMirror.AddGradient(device, host.Grad);
    }
}
