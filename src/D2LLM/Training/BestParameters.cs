using D2LLM.Tensors.Optim;

namespace D2LLM.Training;

/// <summary>
/// Early stopping on a validation loss: keeps a copy of the parameters at the lowest loss seen, says when
/// <c>patience</c> validations in a row brought no improvement, and puts the best copy back at the end. Its state
/// (best loss and copy) travels in the trainer's checkpoint.
/// </summary>
public sealed class BestParameters(IReadOnlyList<Parameter> parameters, int patience)
{
    private int _sinceBest;

    /// <summary>The lowest validation loss so far (+∞ before the first).</summary>
    public double Loss { get; private set; } = double.PositiveInfinity;

    /// <summary>The parameters' values at <see cref="Loss"/>, or null before the first validation.</summary>
    public List<float[]>? Values { get; private set; }

    /// <summary>Continues from a checkpoint's best loss and copy.</summary>
    public void Resume(double loss, List<float[]>? values) => (Loss, Values) = (loss, values);

    /// <summary>Records a validation loss; true when <c>patience</c> validations in a row did not improve on the best.</summary>
    public bool Record(double loss)
    {
        if (loss >= Loss) return ++_sinceBest >= patience;
        (Loss, _sinceBest) = (loss, 0);
        Values ??= parameters.Select(p => new float[p.Length]).ToList(); // reused: a full backbone copy is large
        for (int i = 0; i < parameters.Count; i++) parameters[i].Value.CopyTo(Values[i], 0);
        return false;
    }

    /// <summary>Puts the best parameters back (nothing when no validation ran).</summary>
    public void Restore()
    {
        if (Values is null) return;
        for (int i = 0; i < parameters.Count; i++) Values[i].CopyTo(parameters[i].Value, 0);
    }
}
