namespace D2LLM.Tensors.Optim;

/// <summary>How the learning rate moves after warm-up.</summary>
public enum DecayShape
{
    Constant,
    Linear,
    Cosine,
}
