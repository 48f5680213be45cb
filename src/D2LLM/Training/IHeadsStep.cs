namespace D2LLM.Training;

/// <summary>
/// The heads' half of a D2LLM training step, wherever it computes: PMA over the batch's query and passage token states,
/// the IEM over the <see cref="StepTargets"/> pairs, and the five losses of docs/method.md A.5. Gradients are added into
/// the heads' host parameters (what the optimizer updates) and returned for the token states, which the encoder's
/// backward takes. <see cref="HostHeadsStep"/> runs on the CPU engine; D2LLM.Torch's <c>TorchHeadsStep</c> on a torch
/// device.
/// </summary>
public interface IHeadsStep
{
    HeadsStepResult Run(EncodedTexts queries, EncodedTexts passages, StepTargets targets);
}
