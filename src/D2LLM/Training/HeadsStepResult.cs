using D2LLM.Tensors;

namespace D2LLM.Training;

/// <summary>The five losses of one step and dL/d(token states) of its queries and passages (packed as encoded).</summary>
public sealed record HeadsStepResult(double InBatch, double Contrastive, double Pearson, double Bpr, double Feature, Tensor DQueryStates, Tensor DPassageStates);
