using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Student;

/// <summary>PMA and IEM together: token states → embeddings → pair logits.</summary>
public sealed class StudentHeads
{
    public StudentHeads(HeadsOptions options)
    {
        Options = options;
        var rng = new Random(options.Seed);
        Pma = new Pma(new PmaOptions(options.Dim, options.PmaHeads, Variant: options.Variant), rng);
        Iem = new Iem(Pma.OutputDim, options.IemHidden, rng);
    }

    public HeadsOptions Options { get; }
    public Pma Pma { get; }
    public Iem Iem { get; }
    public IEnumerable<Parameter> Parameters => Pma.Parameters.Concat(Iem.Parameters);

    /// <summary>Embeddings [texts, D] of packed token states.</summary>
    public Tensor Embed(float[] states, int[] starts, PmaCache? cache = null) =>
        Pma.Forward(Tensor.Wrap(states, starts[^1], Options.Dim), starts, null, cache);
}
