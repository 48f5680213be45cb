using D2LLM.Models;

namespace D2LLM.Training;

/// <summary>
/// Frozen backbone outputs, computed once per text: the final-normed token states [tokens, hidden]. Heads-only
/// training (the fast path on a CPU) reads these instead of running the backbone every step.
/// </summary>
public sealed class TokenStates : ITokenEncoder
{
    private readonly Dictionary<string, float[]> _states = new(StringComparer.Ordinal);

    public TokenStates(IBackbone backbone, int maxTokens)
    {
        Backbone = backbone;
        MaxTokens = maxTokens;
    }

    public IBackbone Backbone { get; }
    public int MaxTokens { get; }
    public int Dim => Backbone.HiddenSize;
    public int Count => _states.Count;

    /// <summary>Computes the states of texts not seen yet, in batches of about <paramref name="batchTokens"/> tokens.</summary>
    public void Add(IEnumerable<string> texts, int batchTokens = 8192, Action<int>? progress = null)
    {
        var pending = texts.Distinct(StringComparer.Ordinal).Where(t => !_states.ContainsKey(t)).Select(t => (Text: t, Ids: Backbone.EncodeUntrusted(t, MaxTokens)));
        int done = 0;
        foreach (var batch in Retrieval.TokenBudget.Batches(pending, b => b.Ids.Length, batchTokens))
        {
            var packed = TokenBatch.Pack(batch.Select(b => b.Ids).ToList());
            var hidden = Backbone.Forward(packed);
            var host = new float[hidden.Length];
            Backbone.Kernels.CopyTo(hidden, host);
            for (int b = 0; b < batch.Count; b++)
                _states[batch[b].Text] = host.AsSpan(packed.Starts[b] * Dim, packed.Length(b) * Dim).ToArray();
            done += batch.Count;
            progress?.Invoke(done);
        }
    }

    public float[] this[string text] => _states.TryGetValue(text, out var s) ? s : throw new KeyNotFoundException("no backbone states for a text");

    public IEnumerable<Tensors.Optim.Parameter> Parameters => Array.Empty<Tensors.Optim.Parameter>();

    public EncodedTexts Encode(IReadOnlyList<string> texts, bool training)
    {
        var (states, starts) = Pack(texts);
        return new EncodedTexts(Tensors.Tensor.Wrap(states, starts[^1], Dim), starts, null);
    }

    /// <summary>Frozen: nothing to train.</summary>
    public void Backward(EncodedTexts encoded, Tensors.Tensor dStates)
    {
    }

    /// <summary>The states of several texts packed end to end, with their starts (the input of PMA).</summary>
    public (float[] States, int[] Starts) Pack(IReadOnlyList<string> texts)
    {
        var starts = new int[texts.Count + 1];
        for (int i = 0; i < texts.Count; i++) starts[i + 1] = starts[i] + this[texts[i]].Length / Dim;
        var packed = new float[starts[^1] * Dim];
        for (int i = 0; i < texts.Count; i++) this[texts[i]].CopyTo(packed, starts[i] * Dim);
        return (packed, starts);
    }
}
