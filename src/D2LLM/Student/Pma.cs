using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Student;

/// <summary>
/// Pooling by Multihead Attention: S learned seeds attend over a text's token states X and become its embedding.
///   q = s·W_qᵀ + b_q;  K = X·W_kᵀ + b_k;  V = X·W_vᵀ + b_v;  O = MultiHead(q, K, V) over the text's tokens;
///   r = LN₀(base + O), base = s (Reference) or q (Standard);  e = LN₁(r + ReLU(r·W_oᵀ + b_o)).
/// The embedding of a text is its S rows of e, concatenated (S·D values). No L2 normalisation (--norm False).
/// </summary>
public sealed class Pma
{
    private readonly IKernels _k;

    public Pma(PmaOptions options, Random rng, IKernels? kernels = null)
    {
        Options = options;
        _k = kernels ?? CpuKernels.Instance;
        int d = options.Dim;
        if (d % options.Heads != 0) throw new ArgumentException($"PMA dimension {d} is not divisible by {options.Heads} heads");
        Seed = new Parameter("pma.S", new[] { options.Seeds, d });
        Init.XavierUniform(Seed.Value, d, options.Seeds, rng);
        (Wq, Bq) = LinearParameters("pma.fc_q", d, d, rng);
        (Wk, Bk) = LinearParameters("pma.fc_k", d, d, rng);
        (Wv, Bv) = LinearParameters("pma.fc_v", d, d, rng);
        (Wo, Bo) = LinearParameters("pma.fc_o", d, d, rng);
        Ln0W = new Parameter("pma.ln0.weight", new[] { d }, weightDecay: false);
        Ln0B = new Parameter("pma.ln0.bias", new[] { d }, weightDecay: false);
        Ln1W = new Parameter("pma.ln1.weight", new[] { d }, weightDecay: false);
        Ln1B = new Parameter("pma.ln1.bias", new[] { d }, weightDecay: false);
        Init.Constant(Ln0W.Value, 1f);
        Init.Constant(Ln1W.Value, 1f);
    }

    public PmaOptions Options { get; }
    public Parameter Seed { get; }
    public Parameter Wq { get; }
    public Parameter Bq { get; }
    public Parameter Wk { get; }
    public Parameter Bk { get; }
    public Parameter Wv { get; }
    public Parameter Bv { get; }
    public Parameter Wo { get; }
    public Parameter Bo { get; }
    public Parameter Ln0W { get; }
    public Parameter Ln0B { get; }
    public Parameter Ln1W { get; }
    public Parameter Ln1B { get; }

    public IEnumerable<Parameter> Parameters => new[] { Seed, Wq, Bq, Wk, Bk, Wv, Bv, Wo, Bo, Ln0W, Ln0B, Ln1W, Ln1B };

    /// <summary>Width of one text's embedding: seeds × dim.</summary>
    public int OutputDim => Options.Seeds * Options.Dim;

    /// <summary>The attention scores' scale: 1/√D (reference form) or 1/√(D/H) (standard).</summary>
    public float Scale => Options.Variant == PmaVariant.Reference
        ? 1f / MathF.Sqrt(Options.Dim)
        : 1f / MathF.Sqrt(Options.Dim / Options.Heads);

    /// <summary>
    /// Embeddings [texts, S·D] of the packed token states x[T, D] (texts split by <paramref name="starts"/>);
    /// <paramref name="keyMask"/> (0 = padding) excludes tokens. Pass a cache to run Backward afterwards.
    /// </summary>
    public Tensor Forward(Tensor x, int[] starts, byte[]? keyMask = null, PmaCache? cache = null)
    {
        var k = _k;
        int d = Options.Dim, seeds = Options.Seeds, texts = starts.Length - 1, rows = texts * seeds, tokens = starts[^1];
        var seed = Tensor.Wrap(Seed.Value, seeds, d);
        var q = k.Allocate(seeds, d);
        k.Linear(seed, Wq.AsWeight(), Bq.AsWeight(), q);
        var keys = k.Allocate(tokens, d);
        var values = k.Allocate(tokens, d);
        k.Linear(x, Wk.AsWeight(), Bk.AsWeight(), keys);
        k.Linear(x, Wv.AsWeight(), Bv.AsWeight(), values);
        var probs = k.Allocate(seeds * Options.Heads * tokens);
        var o = k.Allocate(rows, d);
        k.SeedAttention(q, keys, values, o, probs, starts, Options.Heads, Scale, keyMask);

        var (seedRows, textRows) = RowMaps(texts, seeds);
        var r0 = k.Allocate(rows, d);
        k.PairSum(Options.Variant == PmaVariant.Reference ? seed : q, o, seedRows, textRows, r0);
        var r = k.Allocate(rows, d);
        var mean0 = k.Allocate(rows);
        var rstd0 = k.Allocate(rows);
        k.LayerNorm(r0, Ln0W.AsWeight(), Ln0B.AsWeight(), r, mean0, rstd0, d, Options.LayerNormEps);
        var z = k.Allocate(rows, d);
        k.Linear(r, Wo.AsWeight(), Bo.AsWeight(), z);
        var y = k.Allocate(rows, d);
        k.Relu(z, y);
        k.AddInPlace(y, r);
        var e = k.Allocate(texts, seeds * d);
        var mean1 = k.Allocate(rows);
        var rstd1 = k.Allocate(rows);
        k.LayerNorm(y, Ln1W.AsWeight(), Ln1B.AsWeight(), e, mean1, rstd1, d, Options.LayerNormEps);
        if (cache is not null)
        {
            (cache.X, cache.Starts, cache.Q, cache.K, cache.V, cache.Probs) = (x, starts, q, keys, values, probs);
            (cache.R0, cache.R, cache.Mean0, cache.Rstd0, cache.Z, cache.Y, cache.Mean1, cache.Rstd1) = (r0, r, mean0, rstd0, z, y, mean1, rstd1);
        }

        return e;
    }

    /// <summary>Adds parameter gradients for dL/d(embedding) and returns dL/dx (the token states).</summary>
    public Tensor Backward(Tensor dEmbedding, PmaCache c)
    {
        var k = _k;
        int d = Options.Dim, seeds = Options.Seeds, texts = c.Starts!.Length - 1, rows = texts * seeds, tokens = c.Starts[^1];
        var seed = Tensor.Wrap(Seed.Value, seeds, d);
        var dSeed = Seed.GradTensor();

        var dY = k.Allocate(rows, d);
        k.LayerNormBackward(dEmbedding, c.Y!, Ln1W.AsWeight(), c.Mean1!, c.Rstd1!, dY, Ln1W.GradTensor(), Ln1B.GradTensor(), d);
        var dZ = k.Allocate(rows, d);
        k.ReluBackward(c.Z!, dY, dZ);
        var dR = k.Allocate(rows, d);
        k.Copy(dY, dR);
        k.LinearBackward(dZ, c.R!, Wo.AsWeight(), dR, Wo.GradTensor(), Bo.GradTensor());
        var dR0 = k.Allocate(rows, d);
        k.LayerNormBackward(dR, c.R0!, Ln0W.AsWeight(), c.Mean0!, c.Rstd0!, dR0, Ln0W.GradTensor(), Ln0B.GradTensor(), d);

        var dQ = k.Allocate(seeds, d);
        var dO = k.Allocate(rows, d);
        var (seedRows, textRows) = RowMaps(texts, seeds);
        k.PairSumBackward(dR0, seedRows, textRows, Options.Variant == PmaVariant.Reference ? dSeed : dQ, dO);
        var dK = k.Allocate(tokens, d);
        var dV = k.Allocate(tokens, d);
        k.SeedAttentionBackward(dO, c.Q!, c.K!, c.V!, c.Probs!, dQ, dK, dV, c.Starts, Options.Heads, Scale);
        k.LinearBackward(dQ, seed, Wq.AsWeight(), dSeed, Wq.GradTensor(), Bq.GradTensor());
        var dX = k.Allocate(tokens, d);
        k.LinearBackward(dK, c.X!, Wk.AsWeight(), dX, Wk.GradTensor(), Bk.GradTensor());
        k.LinearBackward(dV, c.X!, Wv.AsWeight(), dX, Wv.GradTensor(), Bv.GradTensor());
        return dX;
    }

    private static (int[] SeedRows, int[] TextRows) RowMaps(int texts, int seeds)
    {
        var seedRows = new int[texts * seeds];
        var textRows = new int[texts * seeds];
        for (int i = 0; i < seedRows.Length; i++)
        {
            seedRows[i] = i % seeds;
            textRows[i] = i;
        }

        return (seedRows, textRows);
    }

    private static (Parameter W, Parameter B) LinearParameters(string name, int outF, int inF, Random rng)
    {
        var w = new Parameter(name + ".weight", new[] { outF, inF });
        var b = new Parameter(name + ".bias", new[] { outF }, weightDecay: false);
        Init.XavierUniform(w.Value, inF, outF, rng);
        Init.LinearDefault(b.Value, inF, rng);
        return (w, b);
    }
}
