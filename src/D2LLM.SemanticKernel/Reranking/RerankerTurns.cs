namespace D2LLM.SemanticKernel;

/// <summary>Runs scoring one caller at a time on a model, then sets the chunks' scores and orders them, best first (ties keep their order).</summary>
internal sealed class RerankerTurns(object owner)
{
    private readonly ModelTurns _turns = new(owner);

    public async Task<IReadOnlyList<RetrievalChunk>> OrderAsync(IReadOnlyList<RetrievalChunk> chunks, Func<float[]> score, CancellationToken cancellationToken)
    {
        if (chunks.Count == 0) return chunks;
        var scores = await _turns.RunAsync(score, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < chunks.Count; i++) chunks[i].Score = scores[i];
        return chunks.Select((c, i) => (c, i)).OrderByDescending(x => x.c.Score).ThenBy(x => x.i).Select(x => x.c).ToList();
    }

    /// <summary>Releases the model (if given) once no call is scoring; later calls throw ObjectDisposedException.</summary>
    public void Close(Action? release) => _turns.Close(release);
}
