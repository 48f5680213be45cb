using D2LLM.Models;
using TorchSharp;

namespace D2LLM.Torch;

/// <summary>A backbone's layers on torch tensors (<see cref="TorchQwenDecoder"/>, <see cref="TorchBertEncoder"/>), as <see cref="TorchBackbone"/> drives them.</summary>
internal interface ITorchNetwork : IDisposable
{
    torch.Device Device { get; }

    /// <summary>The device copies of the host model's LoRA adapters.</summary>
    TorchLoraSet Lora { get; }

    /// <summary>The device weights under their checkpoint names (what full fine-tuning makes trainable).</summary>
    IReadOnlyDictionary<string, torch.Tensor> Weights { get; }

    /// <summary>Hidden states [tokens, hidden] of a packed batch in float32 on the host, as the engine's Forward gives them.</summary>
    float[] Forward(TokenBatch batch);

    /// <summary>Hidden states [tokens, hidden] on the device with autograd's graph kept for a backward pass; the caller disposes them.</summary>
    torch.Tensor ForwardTraining(TokenBatch batch);
}
