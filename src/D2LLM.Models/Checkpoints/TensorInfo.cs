using D2LLM.Tensors;

namespace D2LLM.Models.Checkpoints;

/// <summary>Where one tensor lies in a safetensors file: dtype, shape and absolute byte range.</summary>
public sealed record TensorInfo(string Name, DType DType, int[] Shape, long Offset, long ByteLength)
{
    public long ElementCount => Tensor.ElementCount(Shape);

    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
