using D2LLM.Losses.Listwise;

namespace D2LLM.CrossEncoder;

/// <summary>
/// The head and the listwise loss of a cross-encoder training step, wherever they compute: each pair's score
/// s = w·h + b from its summary state h, the loss against the lists' targets; gradients are added into the head's host
/// parameters and returned for the summary states, which the backbone's backward takes. <see cref="HostListStep"/> runs
/// on the CPU engine; D2LLM.Torch's <c>TorchListStep</c> on a torch device.
/// </summary>
public interface IListStep
{
    /// <param name="summary">the summary states [pairs, hidden], list by list</param>
    /// <param name="targets">the teacher's targets [pairs], higher is better</param>
    /// <param name="shape">the lists and their length</param>
    /// <returns>the loss and dL/d(summary) [pairs, hidden]</returns>
    (double Loss, float[] DSummary) Run(float[] summary, float[] targets, ListBatch shape);
}
