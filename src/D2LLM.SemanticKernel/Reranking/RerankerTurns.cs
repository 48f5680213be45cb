namespace D2LLM.SemanticKernel;

/// <summary>Runs scoring one caller at a time on a model, then sets the chunks' scores and orders them, best first (ties keep their order).</summary>
internal sealed class RerankerTurns : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task<IReadOnlyList<RetrievalChunk>> OrderAsync(IReadOnlyList<RetrievalChunk> chunks, Func<float[]> score, CancellationToken cancellationToken)
    {
        if (chunks.Count == 0) return chunks;
        float[] scores;
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            scores = score();
        }
        finally
        {
            _turn.Release();
        }

        for (int i = 0; i < chunks.Count; i++) chunks[i].Score = scores[i];
        return chunks.Select((c, i) => (c, i)).OrderByDescending(x => x.c.Score).ThenBy(x => x.i).Select(x => x.c).ToList();
    }

    public void Dispose() => _turn.Dispose();
}
