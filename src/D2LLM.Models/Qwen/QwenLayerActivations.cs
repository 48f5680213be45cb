using D2LLM.Tensors;

namespace D2LLM.Models.Qwen;

/// <summary>Intermediate tensors of one decoder layer (see <see cref="QwenModel"/> for the math).</summary>
internal sealed class QwenLayerActivations
{
    /// <summary>A training layer's own tensors, kept for its backward pass.</summary>
    public QwenLayerActivations(IKernels k, int tokens, ModelConfig c, long probsLength)
        : this(shape => k.Allocate(shape), tokens, c, training: true)
    {
        int qd = c.NumHeads * c.HeadDim, kvd = c.NumKvHeads * c.HeadDim, h = c.HiddenSize;
        Probs = k.Allocate(checked((int)probsLength));
        XIn = k.Allocate(tokens, h);
        XMid = k.Allocate(tokens, h);
        Rstd1 = k.Allocate(tokens);
        Rstd2 = k.Allocate(tokens);
        if (c.Architecture != Architecture.Qwen3) return;
        QPre = k.Allocate(tokens, qd);
        KPre = k.Allocate(tokens, kvd);
        RstdQ = k.Allocate(tokens * c.NumHeads);
        RstdK = k.Allocate(tokens * c.NumKvHeads);
    }

    /// <summary>
    /// Inference tensors shared by every layer, taken from a reused arena. Nothing is kept for a backward pass, so
    /// buffers whose value is dead are reused — h₂ over h₁ (read only by q/k/v), the MLP product over the gate, its
    /// projection over o — and the attention probabilities are not stored.
    /// </summary>
    public QwenLayerActivations(TensorArena arena, int tokens, ModelConfig c)
        : this(arena.Take, tokens, c, training: false)
    {
    }

    private QwenLayerActivations(Func<int[], Tensor> allocate, int tokens, ModelConfig c, bool training)
    {
        int qd = c.NumHeads * c.HeadDim, kvd = c.NumKvHeads * c.HeadDim, h = c.HiddenSize, inter = c.IntermediateSize;
        H1 = allocate([tokens, h]);
        Q = allocate([tokens, qd]);
        K = allocate([tokens, kvd]);
        V = allocate([tokens, kvd]);
        Attn = allocate([tokens, qd]);
        O = allocate([tokens, h]);
        Gate = allocate([tokens, inter]);
        Up = allocate([tokens, inter]);
        H2 = training ? allocate([tokens, h]) : H1;
        Act = training ? allocate([tokens, inter]) : Gate;
        Down = training ? allocate([tokens, h]) : O;
    }

    public Tensor H1, Q, K, V, Attn, O, H2, Gate, Up, Act, Down;
    public Tensor? Probs, XIn, XMid, Rstd1, Rstd2, QPre, KPre, RstdQ, RstdK;
    public readonly Dictionary<LoraTarget, LoraAdapter.Cache> Lora = new();
}
