using D2LLM.Tensors;

namespace D2LLM.Models.Qwen;

/// <summary>Intermediate tensors of one decoder layer (see <see cref="QwenModel"/> for the math).</summary>
internal sealed class QwenLayerActivations
{
    public QwenLayerActivations(IKernels k, int tokens, ModelConfig c, long probsLength, bool training)
    {
        Tokens = tokens;
        ProbsLength = probsLength;
        int qd = c.NumHeads * c.HeadDim, kvd = c.NumKvHeads * c.HeadDim, h = c.HiddenSize, inter = c.IntermediateSize;
        H1 = k.Allocate(tokens, h);
        Q = k.Allocate(tokens, qd);
        K = k.Allocate(tokens, kvd);
        V = k.Allocate(tokens, kvd);
        Probs = k.Allocate(checked((int)probsLength));
        Attn = k.Allocate(tokens, qd);
        O = k.Allocate(tokens, h);
        Gate = k.Allocate(tokens, inter);
        Up = k.Allocate(tokens, inter);

        // Inference keeps nothing for a backward pass, so buffers whose value is dead are reused:
        // h₂ over h₁ (read only by q/k/v), the MLP product over the gate, its projection over o.
        H2 = training ? k.Allocate(tokens, h) : H1;
        Act = training ? k.Allocate(tokens, inter) : Gate;
        Down = training ? k.Allocate(tokens, h) : O;
        if (!training) return;
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

    public int Tokens { get; }
    public long ProbsLength { get; }

    public Tensor H1, Q, K, V, Probs, Attn, O, H2, Gate, Up, Act, Down;
    public Tensor? XIn, XMid, Rstd1, Rstd2, QPre, KPre, RstdQ, RstdK;
    public readonly Dictionary<LoraTarget, LoraAdapter.Cache> Lora = new();
}
