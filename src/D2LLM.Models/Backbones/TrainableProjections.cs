using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Models;

/// <summary>
/// What makes a backbone trainable, shared by every architecture: LoRA adapters by (layer, projection), full
/// fine-tuning's float32 parameters by the weight views that replaced the loaded tensors, and the projections that run
/// through both (y = x·Wᵀ + b, plus the adapter's update when one is attached).
/// </summary>
internal sealed class TrainableProjections(IKernels kernels)
{
    private readonly Dictionary<(int Layer, LoraTarget Target), LoraAdapter> _lora = new();
    private readonly Dictionary<Weight, Parameter> _trainable = new(ReferenceEqualityComparer.Instance);

    public IReadOnlyDictionary<(int Layer, LoraTarget Target), LoraAdapter> Lora => _lora;
    public bool HasLora => _lora.Count > 0;

    /// <summary>
    /// Fresh adapters (B = 0) on the chosen projections of <paramref name="layers"/> layers, drawn from <paramref name="seed"/>;
    /// <paramref name="projection"/> gives a layer's projection weight and module path, or null where the architecture has none.
    /// </summary>
    public void AddLora(int layers, LoraOptions options, int seed, Func<int, LoraTarget, (Weight Weight, string Name)?> projection)
    {
        var rng = new Random(seed);
        for (int i = 0; i < layers; i++)
        {
            foreach (var target in options.Targets)
                if (projection(i, target) is var (w, name))
                    _lora[(i, target)] = new LoraAdapter(name, w.Columns, w.Rows, options, rng);
        }
    }

    public IEnumerable<Parameter> LoraParameters() => _lora.OrderBy(e => e.Key).SelectMany(e => new[] { e.Value.A, e.Value.B });

    /// <summary>Throws unless no tensor is trainable yet (full fine-tuning is set up once).</summary>
    public void EnsureFrozen()
    {
        if (_trainable.Count > 0) throw new InvalidOperationException("the model is already trainable");
    }

    /// <summary>A float32 parameter with the weight's values, and the view that replaces the weight in the model.</summary>
    public Weight MakeTrainable(string name, Weight w, bool weightDecay, List<Parameter> parameters)
    {
        var p = new Parameter(name, w.Shape, weightDecay);
        for (int r = 0; r < w.Rows; r++) w.ReadRow(r, p.Value.AsSpan(r * w.Columns, w.Columns));
        var view = p.AsWeight();
        _trainable[view] = p;
        parameters.Add(p);
        return view;
    }

    /// <summary>The trainable parameters among the model's tensors, in their order.</summary>
    public IEnumerable<Parameter> TrainableParameters(IEnumerable<(string Name, Weight Weight)> named) =>
        named.Where(n => _trainable.ContainsKey(n.Weight)).Select(n => _trainable[n.Weight]);

    /// <summary>The gradient buffer of a trainable weight; null for a frozen one.</summary>
    public Tensor? GradOf(Weight? w) => w is not null && _trainable.TryGetValue(w, out var p) ? p.GradTensor() : null;

    /// <summary>y = x·Wᵀ + b (+ the adapter's update); a training pass records the adapter's cache in <paramref name="caches"/>.</summary>
    public void Project(int layer, LoraTarget target, Tensor input, Weight w, Weight? bias, Tensor output, Dictionary<LoraTarget, LoraAdapter.Cache>? caches, Random? dropout)
    {
        kernels.Linear(input, w, bias, output);
        if (!_lora.TryGetValue((layer, target), out var adapter)) return;
        LoraAdapter.Cache? cache = null;
        if (caches is not null) caches[target] = cache = new LoraAdapter.Cache();
        adapter.Forward(kernels, input, output, dropout, cache);
    }

    /// <summary>Adds dx (and, for trainable weights or an adapter, their gradients) of a projection.</summary>
    public void ProjectBackward(int layer, LoraTarget target, Tensor dy, Tensor input, Weight w, Weight? bias, Tensor dInput, Dictionary<LoraTarget, LoraAdapter.Cache> caches)
    {
        kernels.LinearBackward(dy, input, w, dInput, GradOf(w), GradOf(bias));
        if (_lora.TryGetValue((layer, target), out var adapter)) adapter.Backward(kernels, dy, input, caches[target], dInput);
    }
}
