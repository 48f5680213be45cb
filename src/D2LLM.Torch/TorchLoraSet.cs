using D2LLM.Models;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// The device mirrors (<see cref="TorchLora"/>) of a host model's LoRA adapters, by layer and projection: uploaded
/// before each training pass, their gradients added back to the host after each backward.
/// </summary>
internal sealed class TorchLoraSet(Device device) : IDisposable
{
    private readonly Dictionary<(int Layer, LoraTarget Target), TorchLora> _adapters = new();

    /// <summary>Device copies of the host model's adapters (after its AddLora).</summary>
    public void Mirror(IReadOnlyDictionary<(int Layer, LoraTarget Target), LoraAdapter> adapters)
    {
        foreach (var (key, adapter) in adapters) _adapters[key] = new TorchLora(adapter, device);
    }

    public void Upload()
    {
        foreach (var lora in _adapters.Values) lora.Upload();
    }

    public void AddGradients()
    {
        foreach (var lora in _adapters.Values) lora.AddGradients();
    }

    /// <summary>y = x·Wᵀ + b, plus the layer's adapter on this projection if it has one.</summary>
    public Tensor Project(int layer, LoraTarget target, Tensor input, Tensor weight, Tensor? bias, bool training)
    {
        var y = nn.functional.linear(input, weight, bias);
        return _adapters.TryGetValue((layer, target), out var lora) ? TorchScalars.Plus(y, lora.Apply(input, training)) : y;
    }

    public void Dispose()
    {
        foreach (var lora in _adapters.Values) lora.Dispose();
    }
}
