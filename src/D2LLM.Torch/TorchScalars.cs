using System.Collections.Concurrent;
using TorchSharp;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch;

/// <summary>
/// Scalars kept alive for the life of the process. TorchSharp turns a number in an operator (x + y's implicit α = 1,
/// x + ε, x · s) into a Scalar that only its finalizer frees, and nothing keeps that object alive during the native
/// call that reads it: the GC may free it mid-call, which libtorch reports as "Expected false to be true" from
/// Scalar::toFloat (seen after tens of thousands of teacher judgements). Every scalar this backend passes is one of these.
/// </summary>
internal static class TorchScalars
{
    private static readonly ConcurrentDictionary<double, Scalar> s_values = new();

    public static Scalar One { get; } = Of(1);

    /// <summary>The process-wide scalar of a value (a model has a handful: ε, LoRA scales).</summary>
    public static Scalar Of(double value) => s_values.GetOrAdd(value, v => v.ToScalar());

    /// <summary>a + b with a kept-alive α = 1 (the operator would make a fresh one).</summary>
    public static Tensor Plus(Tensor a, Tensor b) => a.add(b, One);
}
