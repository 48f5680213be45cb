using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace D2LLM.Models.Tokenization;

/// <summary>
/// Byte-level BPE: a pre-token's UTF-8 bytes become byte characters, then adjacent symbols are merged, lowest
/// merge rank first (leftmost on ties), until no listed merge applies. Results are cached per pre-token.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheLimit = 200_000;

    private readonly Dictionary<long, (int Rank, int Id)> _merges;
    private readonly int[] _byteIds = new int[256];
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, string source)
    {
        for (int b = 0; b < 256; b++)
        {
            if (!vocab.TryGetValue(ByteLevel.ByteToChar[b].ToString(), out _byteIds[b]))
                throw new InvalidDataException($"{source}: the vocabulary lacks the byte-level token for byte 0x{b:X2}");
        }

        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out int a) || !vocab.TryGetValue(right, out int b) || !vocab.TryGetValue(left + right, out int merged))
                throw new InvalidDataException($"{source}: merge {rank} ('{left}' '{right}') names a token missing from the vocabulary");
            _merges.TryAdd(Key(a, b), (rank, merged));
        }
    }

    public void Encode(string piece, List<int> ids)
    {
        if (_cache.TryGetValue(piece, out var cached))
        {
            ids.AddRange(cached);
            return;
        }

        var result = Merge(piece);
        if (_cache.Count >= CacheLimit) _cache.Clear();
        _cache.TryAdd(piece, result);
        ids.AddRange(result);
    }

    private int[] Merge(string piece)
    {
        int byteCount = Encoding.UTF8.GetByteCount(piece);
        byte[] rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            Encoding.UTF8.GetBytes(piece, rented);
            var symbols = new int[byteCount];
            var next = new int[byteCount];
            var prev = new int[byteCount];
            for (int i = 0; i < byteCount; i++)
            {
                symbols[i] = _byteIds[rented[i]];
                next[i] = i + 1 < byteCount ? i + 1 : -1;
                prev[i] = i - 1;
            }

            // Candidate merges ordered by (rank, position); stale entries are skipped when popped.
            var queue = new PriorityQueue<(int Pos, int Left, int Right), long>();
            for (int i = 0; i + 1 < byteCount; i++) Enqueue(queue, i, symbols[i], symbols[i + 1]);
            while (queue.TryDequeue(out var top, out _))
            {
                int pos = top.Pos, right = next[pos];
                if (symbols[pos] != top.Left || right < 0 || symbols[right] != top.Right) continue;
                symbols[pos] = _merges[Key(top.Left, top.Right)].Id;
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
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void Enqueue(PriorityQueue<(int, int, int), long> queue, int pos, int left, int right)
    {
        if (_merges.TryGetValue(Key(left, right), out var merge)) queue.Enqueue((pos, left, right), ((long)merge.Rank << 32) | (uint)pos);
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;
}
