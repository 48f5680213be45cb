using D2LLM.Losses.Listwise;

namespace D2LLM.CrossEncoder;

/// <summary>The head and listwise loss of a step on the CPU engine: scores, the loss's analytic gradient, then the head's backward.</summary>
public sealed class HostListStep(CrossEncoderModel model, ListwiseLoss loss) : IListStep
{
    public (double Loss, float[] DSummary) Run(float[] summary, float[] targets, ListBatch shape)
    {
        var dScores = new float[shape.Length];
        double value = Listwise.Compute(loss, model.HeadScores(summary), targets, shape, dScores);
        return (value, model.HeadBackward(summary, dScores));
    }
}
