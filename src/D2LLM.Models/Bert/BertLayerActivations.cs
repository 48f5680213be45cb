using D2LLM.Tensors;

namespace D2LLM.Models.Bert;

/// <summary>Intermediate tensors of one BERT layer (see <see cref="BertModel"/> for the math).</summary>
internal sealed class BertLayerActivations
{
    /// <summary>A training layer's own tensors, kept for its backward pass.</summary>
    public BertLayerActivations(IKernels k, int tokens, BertConfig c, long probsLength)
        : this(shape => k.Allocate(shape), tokens, c, training: true)
    {
        Probs = k.Allocate(checked((int)probsLength));
        XIn = k.Allocate(tokens, c.HiddenSize);
        Residual1 = k.Allocate(tokens, c.HiddenSize);
        H1 = k.Allocate(tokens, c.HiddenSize);
        Residual2 = k.Allocate(tokens, c.HiddenSize);
        Mean1 = k.Allocate(tokens);
        Rstd1 = k.Allocate(tokens);
        Mean2 = k.Allocate(tokens);
        Rstd2 = k.Allocate(tokens);
    }

    /// <summary>
    /// Inference tensors shared by every layer, taken from a reused arena. Nothing is kept for a backward pass: GELU
    /// runs in place, the norms overwrite their inputs, the attention probabilities are not stored.
    /// </summary>
    public BertLayerActivations(TensorArena arena, int tokens, BertConfig c)
        : this(arena.Take, tokens, c, training: false)
    {
    }

    private BertLayerActivations(Func<int[], Tensor> allocate, int tokens, BertConfig c, bool training)
    {
        int h = c.HiddenSize, inter = c.IntermediateSize;
        Q = allocate([tokens, h]);
        K = allocate([tokens, h]);
        V = allocate([tokens, h]);
        Attn = allocate([tokens, h]);
        O = allocate([tokens, h]);
        Up = allocate([tokens, inter]);
        Act = training ? allocate([tokens, inter]) : Up;
        Down = allocate([tokens, h]);
    }

    public Tensor Q, K, V, Attn, O, Up, Act, Down;
    public Tensor? Probs, XIn, Residual1, H1, Residual2, Mean1, Rstd1, Mean2, Rstd2;
    public readonly Dictionary<LoraTarget, LoraAdapter.Cache> Lora = new();
}
