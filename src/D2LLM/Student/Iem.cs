using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Student;

/// <summary>
/// Interaction Emulation Module: scores (query, passage) from their embeddings u, v (width D each), emulating the
/// teacher's cross-encoding (docs/method.md A.3.3):
///   g = ReLU(W1·[u; v] + c1) = ReLU(W1u·u + W1v·v + c1);  f = ReLU(P_t·g + e_t);  z = w2·f + c2,
/// with a shared first layer, a branch P_t per task and a shared output layer. W1 is held split, so
/// <see cref="ProjectPassages"/> computes W1v·v + c1 once per stored passage and pairs cost only the small layers.
/// </summary>
public sealed class Iem
{
    private readonly IKernels _k;

    public Iem(int dim, int hidden, Random rng, IKernels? kernels = null)
    {
        _k = kernels ?? CpuKernels.Instance;
        Dim = dim;
        Hidden = hidden;
        W1u = new Parameter("iem.w1u.weight", new[] { hidden, dim });
        W1v = new Parameter("iem.w1v.weight", new[] { hidden, dim });
        // Xavier over the whole [hidden, 2·dim] first layer, as the reference initialises it.
        Init.XavierUniform(W1u.Value, 2 * dim, hidden, rng);
        Init.XavierUniform(W1v.Value, 2 * dim, hidden, rng);
        C1 = Bias("iem.w1.bias", hidden, 2 * dim, rng);
        Branch = new Parameter[2];
        BranchBias = new Parameter[2];
        for (int t = 0; t < 2; t++)
        {
            Branch[t] = new Parameter($"iem.branch{t}.weight", new[] { hidden, hidden });
            Init.XavierUniform(Branch[t].Value, hidden, hidden, rng);
            BranchBias[t] = Bias($"iem.branch{t}.bias", hidden, hidden, rng);
        }

        W2 = new Parameter("iem.w2.weight", new[] { 1, hidden });
        Init.XavierUniform(W2.Value, hidden, 1, rng);
        C2 = Bias("iem.w2.bias", 1, hidden, rng);
    }

    public int Dim { get; }
    public int Hidden { get; }
    public Parameter W1u { get; }
    public Parameter W1v { get; }
    public Parameter C1 { get; }
    public Parameter[] Branch { get; }
    public Parameter[] BranchBias { get; }
    public Parameter W2 { get; }
    public Parameter C2 { get; }

    public IEnumerable<Parameter> Parameters => new[] { W1u, W1v, C1, Branch[0], BranchBias[0], Branch[1], BranchBias[1], W2, C2 };

    /// <summary>W1u·u for query embeddings u[n, D] → [n, hidden].</summary>
    public Tensor ProjectQueries(Tensor u, IemWorkspace? workspace = null)
    {
        var pu = Buffer(workspace?.Slot(0), u.Dim(0), Hidden);
        _k.Linear(u, W1u.AsWeight(), null, pu);
        return pu;
    }

    /// <summary>W1v·v + c1 for passage embeddings v[n, D] → [n, hidden]: cacheable per stored passage.</summary>
    public Tensor ProjectPassages(Tensor v, IemWorkspace? workspace = null)
    {
        var pv = Buffer(workspace?.Slot(1), v.Dim(0), Hidden);
        _k.Linear(v, W1v.AsWeight(), C1.AsWeight(), pv);
        return pv;
    }

    /// <summary>
    /// Logits [pairs] for (query q[p], passage d[p]) from projected queries and passages. With a workspace (inference:
    /// no cache), the intermediate buffers are the workspace's, reused from call to call.
    /// </summary>
    public float[] Score(Tensor projectedQueries, Tensor projectedPassages, int[] q, int[] d, IemTask task, IemCache? cache = null, IemWorkspace? workspace = null)
    {
        if (cache is not null && workspace is not null) throw new ArgumentException("a backward pass needs the forward's own buffers: a cache and a workspace exclude each other");
        var k = _k;
        int pairs = q.Length, t = (int)task;
        var pre = Buffer(workspace?.Slot(2), pairs, Hidden);
        k.PairSum(projectedQueries, projectedPassages, q, d, pre);
        var g = Buffer(workspace?.Slot(3), pairs, Hidden);
        k.Relu(pre, g);
        var fPre = Buffer(workspace?.Slot(4), pairs, Hidden);
        k.Linear(g, Branch[t].AsWeight(), BranchBias[t].AsWeight(), fPre);
        var f = Buffer(workspace?.Slot(5), pairs, Hidden);
        k.Relu(fPre, f);
        var z = Buffer(workspace?.Slot(6), pairs, 1);
        k.Linear(f, W2.AsWeight(), C2.AsWeight(), z);
        if (cache is not null) (cache.Q, cache.D, cache.Task, cache.Pre, cache.G, cache.FPre, cache.F) = (q, d, task, pre, g, fPre, f);
        var logits = new float[pairs];
        k.CopyTo(z, logits);
        return logits;
    }

    /// <summary>
    /// Scores pairs straight from embeddings u[nq, D], v[np, D] (the direct form), keeping a cache for Backward, or
    /// (inference) reusing a workspace's buffers.
    /// </summary>
    public float[] Forward(Tensor u, Tensor v, int[] q, int[] d, IemTask task, IemCache? cache = null, IemWorkspace? workspace = null)
    {
        var pu = ProjectQueries(u, workspace);
        var pv = ProjectPassages(v, workspace);
        if (cache is not null) (cache.U, cache.V, cache.PU, cache.PV) = (u, v, pu, pv);
        return Score(pu, pv, q, d, task, cache, workspace);
    }

    /// <summary>
    /// The branch features f [pairs, hidden] of the last forward pass (the student side of feature imitation).
    /// </summary>
    public Tensor Features(IemCache cache) => cache.F!;

    /// <summary>
    /// Adds parameter gradients for dL/dz (and optionally dL/df from feature imitation); returns (dL/du, dL/dv).
    /// </summary>
    public (Tensor DU, Tensor DV) Backward(float[] dLogits, Tensor? dFeatures, IemCache c)
    {
        var k = _k;
        int pairs = c.Q!.Length, t = (int)c.Task;
        var dz = k.Allocate(pairs, 1);
        k.CopyFrom(dLogits, dz);
        var dF = k.Allocate(pairs, Hidden);
        if (dFeatures is not null) k.Copy(dFeatures, dF);
        k.LinearBackward(dz, c.F!, W2.AsWeight(), dF, W2.GradTensor(), C2.GradTensor());
        var dFPre = k.Allocate(pairs, Hidden);
        k.ReluBackward(c.FPre!, dF, dFPre);
        var dG = k.Allocate(pairs, Hidden);
        k.LinearBackward(dFPre, c.G!, Branch[t].AsWeight(), dG, Branch[t].GradTensor(), BranchBias[t].GradTensor());
        var dPre = k.Allocate(pairs, Hidden);
        k.ReluBackward(c.Pre!, dG, dPre);
        var dPU = k.Allocate(c.PU!.Shape);
        var dPV = k.Allocate(c.PV!.Shape);
        k.PairSumBackward(dPre, c.Q, c.D!, dPU, dPV);
        var dU = k.Allocate(c.U!.Shape);
        var dV = k.Allocate(c.V!.Shape);
        k.LinearBackward(dPU, c.U, W1u.AsWeight(), dU, W1u.GradTensor(), null);
        k.LinearBackward(dPV, c.V!, W1v.AsWeight(), dV, W1v.GradTensor(), C1.GradTensor());
        return (dU, dV);
    }

    /// <summary>A [rows, cols] buffer: the workspace slot's when it has that shape (or takes it), else a new one.</summary>
    private Tensor Buffer(IemWorkspace.Buffer? slot, int rows, int cols)
    {
        if (slot is null) return _k.Allocate(rows, cols);
        if (slot.Tensor is not { } t || t.Dim(0) != rows || t.Dim(1) != cols) slot.Tensor = _k.Allocate(rows, cols);
        return slot.Tensor;
    }

    private static Parameter Bias(string name, int n, int fanIn, Random rng)
    {
        var b = new Parameter(name, new[] { n }, weightDecay: false);
        Init.LinearDefault(b.Value, fanIn, rng);
        return b;
    }
}
