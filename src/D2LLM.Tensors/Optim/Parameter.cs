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
}
