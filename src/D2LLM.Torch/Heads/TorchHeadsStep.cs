using D2LLM.Student;
using D2LLM.Tensors.Optim;
using D2LLM.Training;
using static TorchSharp.torch;
using HostTensor = D2LLM.Tensors.Tensor;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch.Heads;

/// <summary>
/// The heads' half of a D2LLM step on a torch device, with autograd: the batch's token states go up as leaves,
/// <see cref="TorchPma"/>, <see cref="TorchIem"/> and <see cref="TorchStudentLosses"/> run as torch operations, and one
/// backward fills the gradients of the heads' device leaves (added into the host parameters the optimizer updates,
/// mirrored like a backbone's, <see cref="TorchParameterSet"/>) and of the states (handed back to the encoder).
/// Float32 whatever the backbone computes in: the heads are small. Validation and evaluation run the host heads.
/// </summary>
public sealed class TorchHeadsStep : IHeadsStep
{
    private readonly DistillationOptions _options;
    private readonly Device _device;
    private readonly IReadOnlyDictionary<Parameter, Tensor> _leaves;
    private readonly TorchParameterSet _mirror = new();
    private readonly TorchPma _pma;
    private readonly TorchIem _iem;

    public TorchHeadsStep(StudentHeads heads, DistillationOptions options, TorchOptions? torchOptions = null)
    {
        _options = options;
        _device = TorchDevice.Resolve((torchOptions ?? new TorchOptions()).Device);
        _leaves = _mirror.Own(heads.Parameters.ToList(), _device);
        _pma = new TorchPma(heads.Pma, p => _leaves[p]);
        _iem = new TorchIem(heads.Iem, p => _leaves[p]);
    }

    public HeadsStepResult Run(EncodedTexts queries, EncodedTexts passages, StepTargets targets)
    {
        _mirror.Upload();
        using var scope = NewDisposeScope();
        var q = Leaf(queries.States);
        var p = Leaf(passages.States);
        var (logits, features) = _iem.Forward(_pma.Forward(q, queries.Starts), _pma.Forward(p, passages.Starts), targets.Queries, targets.Passages, _options.Task);
        var losses = TorchStudentLosses.Compute(logits, features, targets, _options);
        stack(losses).sum().backward();
        _mirror.AddGradients();
        var values = losses.Select(l => (double)l.item<float>()).ToArray();
        return new HeadsStepResult(values[0], values[1], values[2], values[3], values[4], Host(q.grad!, queries.States), Host(p.grad!, passages.States));
    }

    private Tensor Leaf(HostTensor states) =>
        tensor(states.Span.ToArray(), [states.Dim(0), states.Dim(1)], device: _device).requires_grad_(true);

    private static HostTensor Host(Tensor grad, HostTensor like) =>
        HostTensor.Wrap(TorchMirror.ToHost(grad), like.Dim(0), like.Dim(1));
}
