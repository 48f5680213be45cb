using System.Numerics;
using System.Runtime.CompilerServices;

namespace D2LLM.Models.Tokenization;

/// <summary>
/// The BPE merge list as an open-addressing hash table of 64-bit slots — left id, right id and rank, 20 bits each —
/// probed linearly, with the merged ids in an array by rank. A cold encode of Chinese text is mostly lookups that miss
/// the processor's caches: for a Qwen vocabulary the table is 2 MB (a Dictionary of the same pairs is 8 MB behind
/// two indirections), few enough pages for the TLB, and a lookup touches one cache line.
/// </summary>
internal sealed class MergeTable
{
    /// <summary>Ids and ranks must stay below this (2^20 − 1; the all-ones slot marks an empty one).</summary>
    public const int Limit = (1 << 20) - 1;

    private const ulong Empty = ulong.MaxValue;
    private const int Bits = 20;
    private const ulong Field = (1UL << Bits) - 1;

    private readonly ulong[] _slots;
    private readonly int[] _ids;
    private readonly int _mask;

    /// <param name="merges">(left id, right id, merged id) in rank order; a pair listed twice keeps its first rank.</param>
    public MergeTable(IReadOnlyList<(int Left, int Right, int Merged)> merges)
    {
        if (merges.Count >= Limit) throw new NotSupportedException($"{merges.Count} merges: at most {Limit} are supported");
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, merges.Count + merges.Count / 2));
        _slots = new ulong[size];
        _slots.AsSpan().Fill(Empty);
        _mask = size - 1;
        _ids = new int[merges.Count];
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right, merged) = merges[rank];
            if ((uint)left >= Limit || (uint)right >= Limit) throw new NotSupportedException($"token id {Math.Max(left, right)}: ids up to {Limit - 1} are supported");
            _ids[rank] = merged;
            ulong key = Key(left, right);
            int i = Hash(key);
            while (_slots[i] != Empty && (_slots[i] & KeyMask) != key) i = (i + 1) & _mask;
            if (_slots[i] == Empty) _slots[i] = key | (uint)rank;
        }
    }

    private const ulong KeyMask = ~Field;

    /// <summary>The merge of (left, right): its rank and the merged token, or rank int.MaxValue when none is listed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    public (int Rank, int Id) Find(int left, int right)
    {
        ulong key = Key(left, right);
        int i = Hash(key);
        while (true)
        {
            ulong slot = _slots[i];
            if ((slot & KeyMask) == key) // an empty slot never matches: a key's top four bits are 0
            {
                int rank = (int)(slot & Field);
                return (rank, _ids[rank]);
            }

            if (slot == Empty) return (int.MaxValue, -1);
            i = (i + 1) & _mask;
        }
    }

    // Left in bits 40–59, right in bits 20–39; the rank fills bits 0–19 of a slot.
    private static ulong Key(int left, int right) => ((ulong)(uint)left << (2 * Bits)) | ((ulong)(uint)right << Bits);

    // Fibonacci hashing: the top bits of key × 2^64/φ.
    private int Hash(ulong key) => (int)(key * 0x9E3779B97F4A7C15UL >> 40) & _mask;
}
