namespace D2LLM.Tensors;

/// <summary>Element types the engine reads. Computation is always float32; the others are storage formats.</summary>
public enum DType
{
    F32,
    BF16,
    F16,
}
