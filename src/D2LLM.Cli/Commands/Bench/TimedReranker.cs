using System.Diagnostics;
using D2LLM.SemanticKernel;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>The time spent inside a reranker.</summary>
internal sealed class TimedReranker(IReranker inner) : IReranker
{
    public double Milliseconds { get; private set; }

    public async Task<IReadOnlyList<RetrievalChunk>> RerankAsync(string query, IReadOnlyList<RetrievalChunk> chunks, RerankOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var result = await inner.RerankAsync(query, chunks, options, cancellationToken);
        Milliseconds += clock.Elapsed.TotalMilliseconds;
        return result;
    }
}
