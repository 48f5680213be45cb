using D2LLM.CrossEncoder;
using D2LLM.Losses.Listwise;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch.Heads;

/// <summary>
/// The cross-encoder's head and listwise loss on a torch device, with autograd: the summary states go up as a leaf, the
/// scores s = h·w + b and the loss (<see cref="TorchListwiseLosses"/>) run as torch operations in float32, and one
/// backward gives the head's gradients (added into the host parameters, mirrored as full fine-tuning's are) and the
/// summary states' (handed to the backbone's backward).
/// </summary>
public sealed class TorchListStep : IListStep
{
    private readonly ListwiseLoss _loss;
    private readonly Device _device;
    private readonly Tensor _weight, _bias;
    private readonly TorchParameterSet _mirror = new();

    public TorchListStep(CrossEncoderModel model, ListwiseLoss loss, TorchOptions? options = null)
    {
        _loss = loss;
        _device = TorchDevice.Resolve((options ?? new TorchOptions()).Device);
        var leaves = _mirror.Own([model.HeadWeight, model.HeadBias], _device);
        (_weight, _bias) = (leaves[model.HeadWeight], leaves[model.HeadBias]);
    }

    public (double Loss, float[] DSummary) Run(float[] summary, float[] targets, ListBatch shape)
    {
        _mirror.Upload();
        using var scope = NewDisposeScope();
        var h = tensor(summary, [shape.Length, summary.Length / shape.Length], device: _device).requires_grad_(true);
        var scores = TorchScalars.Plus(h.matmul(_weight), _bias).view(shape.Lists, shape.Size);
        var loss = TorchListwiseLosses.Compute(_loss, scores, targets, shape);
        loss.backward();
        _mirror.AddGradients();
        return (loss.item<float>(), TorchMirror.ToHost(h.grad!));
    }
}
