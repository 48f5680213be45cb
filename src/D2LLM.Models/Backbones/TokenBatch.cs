namespace D2LLM.Models;

/// <summary>
/// Texts of different lengths packed end to end: no padding, sequence b owns tokens [Starts[b], Starts[b+1]),
/// positions restart at 0 for each, and attention never crosses a boundary.
/// </summary>
public sealed class TokenBatch
{
    private TokenBatch(int[] ids, int[] starts, int[] positions)
    {
        Ids = ids;
        Starts = starts;
        Positions = positions;
    }

    public int[] Ids { get; }
    public int[] Starts { get; }
    public int[] Positions { get; }
    public int Count => Starts.Length - 1;
    public int Tokens => Ids.Length;

    public int Length(int b) => Starts[b + 1] - Starts[b];

    public int Last(int b) => Starts[b + 1] - 1;

    /// <summary>Packs sequences; sequence b's first token takes position <paramref name="positionOffsets"/>[b] (0 when null).</summary>
    public static TokenBatch Pack(IReadOnlyList<int[]> sequences, IReadOnlyList<int>? positionOffsets = null)
    {
        var starts = new int[sequences.Count + 1];
        for (int b = 0; b < sequences.Count; b++)
        {
            if (sequences[b].Length == 0) throw new ArgumentException($"text {b} of the batch has no tokens (empty text)");
            starts[b + 1] = starts[b] + sequences[b].Length;
        }

        var ids = new int[starts[^1]];
        var positions = new int[ids.Length];
        for (int b = 0; b < sequences.Count; b++)
        {
            sequences[b].CopyTo(ids, starts[b]);
            for (int t = 0; t < sequences[b].Length; t++) positions[starts[b] + t] = t + (positionOffsets?[b] ?? 0);
        }

        return new TokenBatch(ids, starts, positions);
    }
}
