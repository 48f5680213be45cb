using System.Diagnostics;
using D2LLM.SemanticKernel;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>
/// Per-query medians of <c>bench rerank</c>'s three paths, in milliseconds: a backbone pass alone, the search without
/// reranking and the reranked search (each also beyond the time it spent embedding), the reranker's own time, and the
/// backbone passes the reranked path made per query.
/// </summary>
internal sealed record RerankTimings(double Backbone, double Search, double SearchBeyond, double Reranked, double RerankedBeyond, double Reranker, double PassesPerQuery)
{
    /// <summary>Times the paths interleaved, query by query; the first <paramref name="warmup"/> queries are not counted.</summary>
    public static async Task<RerankTimings> Measure(CountingEmbeddingGenerator counting, RetrievalPipeline<Guid, MemoryRecord> plain,
        RetrievalPipeline<Guid, MemoryRecord> reranked, TimedReranker reranker, IReadOnlyList<string> texts, int warmup, CancellationToken cancellationToken)
    {
        var columns = Enumerable.Range(0, 6).Select(_ => new List<double>()).ToArray();
        int passes = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            var clock = Stopwatch.StartNew();
            await counting.GenerateAsync(new[] { texts[i] }, cancellationToken: cancellationToken);
            double backboneMs = clock.Elapsed.TotalMilliseconds;
            var (unreranked, unrerankedEmbedding, _) = await Timed(counting, () => plain.SearchAsync(texts[i], cancellationToken: cancellationToken));
            double rerankerBefore = reranker.Milliseconds;
            var (withIem, withIemEmbedding, embedded) = await Timed(counting, () => reranked.SearchAsync(texts[i], cancellationToken: cancellationToken));
            if (i < warmup) continue;
            double[] row = [backboneMs, unreranked, unreranked - unrerankedEmbedding, withIem, withIem - withIemEmbedding, reranker.Milliseconds - rerankerBefore];
            for (int c = 0; c < row.Length; c++) columns[c].Add(row[c]);
            passes += embedded;
        }

        var m = columns.Select(Median).ToArray();
        return new RerankTimings(m[0], m[1], m[2], m[3], m[4], m[5], (double)passes / (texts.Count - warmup));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>A search's wall time, the time it spent embedding, and the texts it embedded (backbone passes).</summary>
    private static async Task<(double Ms, double EmbeddingMs, int Texts)> Timed(CountingEmbeddingGenerator counting, Func<Task> search)
    {
        var (texts, embedding) = (counting.Texts, counting.Milliseconds);
        var clock = Stopwatch.StartNew();
        await search();
        return (clock.Elapsed.TotalMilliseconds, counting.Milliseconds - embedding, counting.Texts - texts);
    }
}
