using D2LLM.CrossEncoder;
using D2LLM.Student;

namespace D2LLM.SemanticKernel;

/// <summary>
/// A retrieved piece of text in the shape of dotnet/extensions #7507's RetrievalChunk: content, a settable score, the
/// stored record's fields, and (our addition) the stored vector, which lets the IEM rerank without a backbone pass.
/// </summary>
public sealed class RetrievalChunk(string content, IReadOnlyDictionary<string, object?>? record = null, ReadOnlyMemory<float>? vector = null)
{
    public string Content { get; } = content;
    public double Score { get; set; }
    public IReadOnlyDictionary<string, object?> Record { get; } = record ?? new Dictionary<string, object?>();
    public ReadOnlyMemory<float>? Vector { get; } = vector;
}

/// <summary>Reorders chunks for a query, most relevant first, with their scores set (#7507's IReranker).</summary>
public interface IReranker
{
    Task<IReadOnlyList<RetrievalChunk>> RerankAsync(string query, IReadOnlyList<RetrievalChunk> chunks, CancellationToken cancellationToken = default);
}

/// <summary>
/// The D2LLM student's Interaction Emulation Module as a reranker: the query is embedded once; chunks that carry their
/// stored vector are scored from it directly (a few small matrix products, no backbone pass); others are embedded.
/// With <paramref name="ownsModel"/>, disposing the reranker disposes the student.
/// </summary>
public sealed class IemReranker(StudentModel student, bool ownsModel = false) : IReranker, IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public void Dispose()
    {
        if (ownsModel) student.Dispose();
        _turn.Dispose();
    }

    public Task<IReadOnlyList<RetrievalChunk>> RerankAsync(string query, IReadOnlyList<RetrievalChunk> chunks, CancellationToken cancellationToken = default) =>
        Ordered(_turn, chunks, () =>
        {
            int d = student.Dimensions;
            var passages = new float[chunks.Count * d];
            var missing = Enumerable.Range(0, chunks.Count).Where(i => chunks[i].Vector is not { } v || v.Length != d).ToList();
            if (missing.Count > 0)
            {
                var embedded = student.Embed(missing.Select(i => chunks[i].Content).ToList());
                for (int j = 0; j < missing.Count; j++) embedded.AsSpan(j * d, d).CopyTo(passages.AsSpan(missing[j] * d, d));
            }

            for (int i = 0; i < chunks.Count; i++)
                if (chunks[i].Vector is { } v && v.Length == d) v.Span.CopyTo(passages.AsSpan(i * d, d));
            return student.Score(student.Embed(new[] { query }), passages);
        }, cancellationToken);

    /// <summary>Scores the chunks (one caller at a time on the model), sets their scores and orders them, best first.</summary>
    internal static async Task<IReadOnlyList<RetrievalChunk>> Ordered(SemaphoreSlim turn, IReadOnlyList<RetrievalChunk> chunks, Func<float[]> score,
        CancellationToken cancellationToken)
    {
        if (chunks.Count == 0) return chunks;
        float[] scores;
        await turn.WaitAsync(cancellationToken);
        try
        {
            scores = score();
        }
        finally
        {
            turn.Release();
        }

        for (int i = 0; i < chunks.Count; i++) chunks[i].Score = scores[i];
        return chunks.Select((c, i) => (c, i)).OrderByDescending(x => x.c.Score).ThenBy(x => x.i).Select(x => x.c).ToList();
    }
}

/// <summary>
/// The cross-encoder student as a reranker: every (query, chunk) pair through the backbone and its head. With
/// <paramref name="ownsModel"/>, disposing the reranker disposes the model.
/// </summary>
public sealed class CrossEncoderReranker(CrossEncoderModel model, bool ownsModel = false) : IReranker, IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public void Dispose()
    {
        if (ownsModel) model.Dispose();
        _turn.Dispose();
    }

    public Task<IReadOnlyList<RetrievalChunk>> RerankAsync(string query, IReadOnlyList<RetrievalChunk> chunks, CancellationToken cancellationToken = default) =>
        IemReranker.Ordered(_turn, chunks, () => model.Score(query, chunks.Select(c => c.Content).ToList()), cancellationToken);
}
