namespace D2LLM.Tensors.Optim;

/// <summary>A trainable float32 tensor with its gradient. <see cref="WeightDecay"/> is off for biases and norms.</summary>
public sealed class Parameter
{
    private float[]? _grad;

    public Parameter(string name, int[] shape, bool weightDecay = true)
    {
        Name = name;
        Shape = shape.ToArray();
        Value = new float[checked((int)Tensor.ElementCount(shape))];
        WeightDecay = weightDecay;
    }

    public string Name { get; }
    public int[] Shape { get; }
    public float[] Value { get; }

    /// <summary>The gradient, allocated on first use: a parameter that is only read (a student loaded for inference) holds none.</summary>
    public float[] Grad => _grad ?? LazyInitializer.EnsureInitialized(ref _grad, () => new float[Value.Length]);
    public bool WeightDecay { get; }
    public int Length => Value.Length;

    public void ZeroGrad()
    {
        if (_grad is not null) Array.Clear(_grad);
    }

    /// <summary>The values as a read-only float32 weight (no copy), for the kernels.</summary>
    public Weight AsWeight() => Weight.FromArray(Value, Shape);

    /// <summary>The gradient as a tensor (no copy) that backward kernels add into.</summary>
    public Tensor GradTensor() => Tensor.Wrap(Grad, Shape);
}
