using D2LLM.Tensors;

namespace D2LLM.Models;

/// <summary>
/// Keys (after rotary) and values of tokens a decoder has already read, per layer and per sequence, so a later
/// forward pass continues from them: a prompt prefix shared by many candidates, or text being generated.
/// </summary>
public sealed class KvCache
{
    private readonly Tensor?[][] _keys;
    private readonly Tensor?[][] _values;

    /// <summary>An empty cache for <paramref name="sequences"/> sequences of a model with <paramref name="layers"/> layers.</summary>
    public KvCache(int layers, int sequences)
    {
        _keys = Enumerable.Range(0, layers).Select(_ => new Tensor?[sequences]).ToArray();
        _values = Enumerable.Range(0, layers).Select(_ => new Tensor?[sequences]).ToArray();
        Lengths = new int[sequences];
    }

    /// <summary>Tokens cached per sequence (the position the next token of each sequence takes).</summary>
    public int[] Lengths { get; }

    public int Sequences => Lengths.Length;
    public int Layers => _keys.Length;

    /// <summary>A cache in which each of <paramref name="count"/> sequences continues from sequence 0 of this one (shared, not copied).</summary>
    public KvCache Repeat(int count)
    {
        var result = new KvCache(Layers, count);
        for (int i = 0; i < Layers; i++)
        {
            for (int b = 0; b < count; b++)
            {
                result._keys[i][b] = _keys[i][0];
                result._values[i][b] = _values[i][0];
            }
        }

        Array.Fill(result.Lengths, Lengths[0]);
        return result;
    }

    /// <summary>A cache of the chosen sequences only, in the given order (shared, not copied): drops finished ones.</summary>
    public KvCache Select(IReadOnlyList<int> sequences)
    {
        var result = new KvCache(Layers, sequences.Count);
        for (int i = 0; i < Layers; i++)
        {
            for (int b = 0; b < sequences.Count; b++)
            {
                result._keys[i][b] = _keys[i][sequences[b]];
                result._values[i][b] = _values[i][sequences[b]];
            }
        }

        for (int b = 0; b < sequences.Count; b++) result.Lengths[b] = Lengths[sequences[b]];
        return result;
    }

    internal Tensor? Keys(int layer, int sequence) => _keys[layer][sequence];

    internal Tensor? Values(int layer, int sequence) => _values[layer][sequence];

    internal void Set(int layer, int sequence, Tensor keys, Tensor values)
    {
        _keys[layer][sequence] = keys;
        _values[layer][sequence] = values;
    }
}
