namespace D2LLM.Tensors.Optim;

/// <summary>A trainable float32 tensor with its gradient. <see cref="WeightDecay"/> is off for biases and norms.</summary>
public sealed class Parameter
{
    public Parameter(string name, int[] shape, bool weightDecay = true)
    {
        Name = name;
        Shape = shape.ToArray();
        Value = new float[checked((int)Tensor.ElementCount(shape))];
        Grad = new float[Value.Length];
        WeightDecay = weightDecay;
    }

    public string Name { get; }
    public int[] Shape { get; }
    public float[] Value { get; }
    public float[] Grad { get; }
    public bool WeightDecay { get; }
    public int Length => Value.Length;

    public void ZeroGrad() => Array.Clear(Grad);

    /// <summary>The values as a read-only float32 weight (no copy), for the kernels.</summary>
    public Weight AsWeight() => Weight.FromArray(Value, Shape);

    /// <summary>The gradient as a tensor (no copy) that backward kernels add into.</summary>
    public Tensor GradTensor() => Tensor.Wrap(Grad, Shape);
}
