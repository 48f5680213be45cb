using D2LLM.Tensors;

namespace D2LLM.Models.Bert;

/// <summary>Intermediate tensors of one BERT layer (see <see cref="BertModel"/> for the math).</summary>
internal sealed class BertLayerActivations
{
    /// <summary>
    /// A training layer's tensors: those its backward pass reads are its own, from the pass's arena, not zeroed (each
    /// is written in full by its forward kernel). The projections o and down are read by no backward step and
    /// gelu(up) is recomputed there, so those three live in <paramref name="projection"/> ([tokens, hidden])
    /// and <paramref name="product"/> ([tokens, intermediate]), shared by every layer of the pass.
    /// </summary>
    public BertLayerActivations(TensorArena arena, int tokens, BertConfig c, long probsLength, Tensor projection, Tensor product)
        : this(arena.Take, tokens, c)
    {
        int h = c.HiddenSize;
        (O, Down, Act) = (projection, projection, product);
        Probs = arena.Take(checked((int)probsLength));
        XIn = arena.Take(tokens, h);
        Residual1 = arena.Take(tokens, h);
        H1 = arena.Take(tokens, h);
        Residual2 = arena.Take(tokens, h);
        Mean1 = arena.Take(tokens);
        Rstd1 = arena.Take(tokens);
        Mean2 = arena.Take(tokens);
        Rstd2 = arena.Take(tokens);
    }

    /// <summary>
    /// Inference tensors shared by every layer, taken from a reused arena. Nothing is kept for a backward pass: GELU
    /// runs in place, the norms overwrite their inputs, the attention probabilities are not stored.
    /// </summary>
    public BertLayerActivations(TensorArena arena, int tokens, BertConfig c)
        : this(arena.Take, tokens, c)
    {
        O = arena.Take(tokens, c.HiddenSize);
        Act = Up;
        Down = arena.Take(tokens, c.HiddenSize);
    }

    private BertLayerActivations(Func<int[], Tensor> allocate, int tokens, BertConfig c)
    {
        int h = c.HiddenSize, inter = c.IntermediateSize;
        Q = allocate([tokens, h]);
        K = allocate([tokens, h]);
        V = allocate([tokens, h]);
        Attn = allocate([tokens, h]);
        Up = allocate([tokens, inter]);
        O = Act = Down = null!; // set by the public constructors
    }

    public Tensor Q, K, V, Attn, O, Up, Act, Down;
    public Tensor? Probs, XIn, Residual1, H1, Residual2, Mean1, Rstd1, Mean2, Rstd2;
    public readonly Dictionary<LoraTarget, LoraAdapter.Cache> Lora = new();
}
