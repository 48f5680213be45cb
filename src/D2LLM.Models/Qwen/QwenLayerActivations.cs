using D2LLM.Tensors;

namespace D2LLM.Models.Qwen;

/// <summary>Intermediate tensors of one decoder layer (see <see cref="QwenModel"/> for the math).</summary>
internal sealed class QwenLayerActivations
{
    /// <summary>
    /// A training layer's tensors: those its backward pass reads are its own, from the pass's arena, not zeroed (each
    /// is written in full by its forward kernel). The projections o and down are read by no backward step and
    /// the MLP product silu(gate) ⊙ up is recomputed there, so those three live in <paramref name="projection"/> ([tokens, hidden])
    /// and <paramref name="product"/> ([tokens, intermediate]), shared by every layer of the pass.
    /// </summary>
    public QwenLayerActivations(TensorArena arena, int tokens, ModelConfig c, long probsLength, Tensor projection, Tensor product)
        : this(arena.Take, tokens, c)
    {
        int qd = c.NumHeads * c.HeadDim, kvd = c.NumKvHeads * c.HeadDim, h = c.HiddenSize;
        H2 = arena.Take(tokens, h);
        (O, Down, Act) = (projection, projection, product);
        Probs = arena.Take(checked((int)probsLength));
        XIn = arena.Take(tokens, h);
        XMid = arena.Take(tokens, h);
        Rstd1 = arena.Take(tokens);
        Rstd2 = arena.Take(tokens);
        if (c.Architecture != Architecture.Qwen3) return;
        QPre = arena.Take(tokens, qd);
        KPre = arena.Take(tokens, kvd);
        RstdQ = arena.Take(tokens * c.NumHeads);
        RstdK = arena.Take(tokens * c.NumKvHeads);
    }

    /// <summary>
    /// Inference tensors shared by every layer, taken from a reused arena.
    /// Nothing is kept for a backward pass, so buffers whose value is dead are reused — h₂ over h₁ (read only by
    /// q/k/v), the MLP product over the gate, its projection over o — and the attention probabilities are not stored.
    /// </summary>
    public QwenLayerActivations(TensorArena arena, int tokens, ModelConfig c)
        : this(arena.Take, tokens, c)
    {
        O = arena.Take(tokens, c.HiddenSize);
        (H2, Act, Down) = (H1, Gate, O);
    }

    private QwenLayerActivations(Func<int[], Tensor> allocate, int tokens, ModelConfig c)
    {
        int qd = c.NumHeads * c.HeadDim, kvd = c.NumKvHeads * c.HeadDim, h = c.HiddenSize, inter = c.IntermediateSize;
        H1 = allocate([tokens, h]);
        Q = allocate([tokens, qd]);
        K = allocate([tokens, kvd]);
        V = allocate([tokens, kvd]);
        Attn = allocate([tokens, qd]);
        Gate = allocate([tokens, inter]);
        Up = allocate([tokens, inter]);
        O = H2 = Act = Down = null!; // set by the public constructors
    }

    public Tensor H1, Q, K, V, Attn, O, H2, Gate, Up, Act, Down;
    public Tensor? Probs, XIn, XMid, Rstd1, Rstd2, QPre, KPre, RstdQ, RstdK;
    public readonly Dictionary<LoraTarget, LoraAdapter.Cache> Lora = new();
}
