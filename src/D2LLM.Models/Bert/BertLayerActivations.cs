using D2LLM.Tensors;

namespace D2LLM.Models.Bert;

/// <summary>Intermediate tensors of one BERT layer (see <see cref="BertModel"/> for the math).</summary>
internal sealed class BertLayerActivations
{
    public BertLayerActivations(IKernels k, int tokens, BertConfig c, long probsLength, bool training)
    {
        int h = c.HiddenSize, inter = c.IntermediateSize;
        Tokens = tokens;
        ProbsLength = probsLength;
        Q = k.Allocate(tokens, h);
        K = k.Allocate(tokens, h);
        V = k.Allocate(tokens, h);
        Probs = k.Allocate(checked((int)probsLength));
        Attn = k.Allocate(tokens, h);
        O = k.Allocate(tokens, h);
        Up = k.Allocate(tokens, inter);
        // Inference keeps nothing for a backward pass: GELU runs in place and the norms overwrite their inputs.
        Act = training ? k.Allocate(tokens, inter) : Up;
        Down = k.Allocate(tokens, h);
        if (!training) return;
        XIn = k.Allocate(tokens, h);
        Residual1 = k.Allocate(tokens, h);
        H1 = k.Allocate(tokens, h);
        Residual2 = k.Allocate(tokens, h);
        Mean1 = k.Allocate(tokens);
        Rstd1 = k.Allocate(tokens);
        Mean2 = k.Allocate(tokens);
        Rstd2 = k.Allocate(tokens);
    }

    public int Tokens { get; }
    public long ProbsLength { get; }

    public Tensor Q, K, V, Probs, Attn, O, Up, Act, Down;
    public Tensor? XIn, Residual1, H1, Residual2, Mean1, Rstd1, Mean2, Rstd2;
    public readonly Dictionary<LoraTarget, LoraAdapter.Cache> Lora = new();
}
