using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;

namespace D2LLM.Models.Tokenization;

/// <summary>
/// Byte-level BPE: a pre-token's UTF-8 bytes become byte characters, then adjacent symbols are merged, lowest
/// merge rank first (leftmost on ties), until no listed merge applies. Results are cached per pre-token.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheLimit = 200_000;

    // Pieces up to this many bytes merge by a linear scan over pair ranks (2 lookups per merge, nothing allocated but the result);
    // longer ones (a run of Han characters without spaces) through a priority queue, O(n log n).
    private const int ScanLimit = 192;

    private readonly MergeTable _merges;
    private readonly int[] _byteIds = new int[256];
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    // ConcurrentDictionary.Count takes every lock; the cache size is tracked apart.
    private int _cached;

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, string source)
    {
        for (int b = 0; b < 256; b++)
        {
            if (!vocab.TryGetValue(ByteLevel.ByteToChar[b].ToString(), out _byteIds[b]))
                throw new InvalidDataException($"{source}: the vocabulary lacks the byte-level token for byte 0x{b:X2}");
        }

        var resolved = new (int, int, int)[merges.Count];
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out int a) || !vocab.TryGetValue(right, out int b) || !vocab.TryGetValue(left + right, out int merged))
                throw new InvalidDataException($"{source}: merge {rank} ('{left}' '{right}') names a token missing from the vocabulary");
            resolved[rank] = (a, b, merged);
        }

        try
        {
            _merges = new MergeTable(resolved);
        }
        catch (NotSupportedException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Encode(string piece, List<int> ids)
    {
        if (_cache.TryGetValue(piece, out var cached))
        {
            ids.AddRange(cached);
            return;
        }

        var result = Merge(piece);
        if (Interlocked.Increment(ref _cached) > CacheLimit) ClearCache();

        _cache.TryAdd(piece, result);
        ids.AddRange(result);
    }

    /// <summary>Forgets every cached pre-token.</summary>
    public void ClearCache()
    {
        _cache.Clear();
        Interlocked.Exchange(ref _cached, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int[] Merge(string piece)
    {
        int byteCount = Encoding.UTF8.GetByteCount(piece);
        if (byteCount > ScanLimit) return MergeByQueue(piece, byteCount);
        Span<byte> bytes = stackalloc byte[byteCount];
        Encoding.UTF8.GetBytes(piece, bytes);
        Span<int> symbols = stackalloc int[byteCount];
        Span<int> ranks = stackalloc int[byteCount]; // ranks[i], merged[i]: the merge of symbols i and i + 1 (rank int.MaxValue: none)
        Span<int> merged = stackalloc int[byteCount];
        int n = byteCount;
        for (int i = 0; i < n; i++) symbols[i] = _byteIds[bytes[i]];
        for (int i = 0; i + 1 < n; i++) (ranks[i], merged[i]) = _merges.Find(symbols[i], symbols[i + 1]);
        while (n > 1)
        {
            int best = 0;
            for (int i = 1; i + 1 < n; i++)
                if (ranks[i] < ranks[best]) best = i;
            if (ranks[best] == int.MaxValue) break;

            // Merge symbols best and best + 1, then close the gap; only the two neighbouring pairs change.
            symbols[best] = merged[best];
            symbols[(best + 2)..n].CopyTo(symbols[(best + 1)..]);
            ranks[(best + 2)..n].CopyTo(ranks[(best + 1)..]);
            merged[(best + 2)..n].CopyTo(merged[(best + 1)..]);
            n--;
            if (best > 0) (ranks[best - 1], merged[best - 1]) = _merges.Find(symbols[best - 1], symbols[best]);
            (ranks[best], merged[best]) = best + 1 < n ? _merges.Find(symbols[best], symbols[best + 1]) : (int.MaxValue, -1);
        }

        return symbols[..n].ToArray();
    }

    /// <summary>The same merges for a long piece: candidate pairs ordered by (rank, position); stale ones are skipped when popped.</summary>
    internal int[] MergeByQueue(string piece, int byteCount)
    {
        var bytes = Encoding.UTF8.GetBytes(piece);
        var symbols = new int[byteCount];
        var next = new int[byteCount];
        var prev = new int[byteCount];
        for (int i = 0; i < byteCount; i++)
        {
            symbols[i] = _byteIds[bytes[i]];
            next[i] = i + 1 < byteCount ? i + 1 : -1;
            prev[i] = i - 1;
        }

        var queue = new PriorityQueue<(int Pos, int Left, int Right), long>();
        for (int i = 0; i + 1 < byteCount; i++) Enqueue(queue, i, symbols[i], symbols[i + 1]);
        while (queue.TryDequeue(out var top, out _))
        {
            int pos = top.Pos, right = next[pos];
            if (symbols[pos] != top.Left || right < 0 || symbols[right] != top.Right) continue;
            symbols[pos] = _merges.Find(top.Left, top.Right).Id;
            symbols[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) Enqueue(queue, prev[pos], symbols[prev[pos]], symbols[pos]);
            if (next[pos] >= 0) Enqueue(queue, pos, symbols[pos], symbols[next[pos]]);
        }

        var result = new List<int>(byteCount);
        for (int i = 0; i >= 0 && i < byteCount; i = next[i]) result.Add(symbols[i]);
        return result.ToArray();
    }

    private void Enqueue(PriorityQueue<(int, int, int), long> queue, int pos, int left, int right)
    {
        int rank = _merges.Find(left, right).Rank;
        if (rank != int.MaxValue) queue.Enqueue((pos, left, right), ((long)rank << 32) | (uint)pos);
    }
}
