namespace D2LLM.Training;

/// <summary>One optimisation step's losses.</summary>
public sealed record StepLosses(int Step, double InBatch, double Contrastive, double Pearson, double Bpr, double Feature)
{
    public double Total => InBatch + Contrastive + Pearson + Bpr + Feature;
}
