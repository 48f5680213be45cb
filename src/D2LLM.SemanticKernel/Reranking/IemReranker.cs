using D2LLM.Student;

namespace D2LLM.SemanticKernel;

/// <summary>
/// The D2LLM student's Interaction Emulation Module as a reranker. When the caller passes the query vector and the
/// chunks' stored vectors from this student (<see cref="RerankOptions"/>), scoring is a few small matrix products: no
/// backbone pass at all. Otherwise the query, and each chunk without a usable vector, is embedded first. With
/// ownsModel, disposing the reranker disposes the student, once a running call is done.
/// </summary>
public sealed class IemReranker : IReranker, IDisposable
{
    private readonly bool _ownsModel;
    private readonly RerankerTurns _turns;
    private readonly IemWorkspace _workspace = new(); // calls take turns, so one workspace serves them all
    private float[] _passages = Array.Empty<float>();

    public IemReranker(StudentModel student, bool ownsModel = false)
    {
        (Student, _ownsModel) = (student, ownsModel);
        _turns = new RerankerTurns(this);
    }

    public StudentModel Student { get; }

    public void Dispose() => _turns.Close(_ownsModel ? Student.Dispose : null);

    public Task<IReadOnlyList<RetrievalChunk>> RerankAsync(string query, IReadOnlyList<RetrievalChunk> chunks, RerankOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        int d = Student.Dimensions;
        bool trusted = ReferenceEquals(options?.VectorsFrom?.GetService(typeof(StudentModel)), Student);
        return _turns.OrderAsync(chunks, () =>
        {
            if (_passages.Length != chunks.Count * d) _passages = new float[chunks.Count * d];
            var passages = _passages;
            var missing = Enumerable.Range(0, chunks.Count).Where(i => !trusted || chunks[i].Vector is not { } v || v.Length != d).ToList();
            if (missing.Count > 0)
            {
                var embedded = Student.Embed(missing.Select(i => chunks[i].Content).ToList());
                for (int j = 0; j < missing.Count; j++) embedded.AsSpan(j * d, d).CopyTo(passages.AsSpan(missing[j] * d, d));
            }

            for (int i = 0; i < chunks.Count; i++)
                if (trusted && chunks[i].Vector is { } v && v.Length == d) v.Span.CopyTo(passages.AsSpan(i * d, d));
            var queryVector = trusted && options!.QueryVector is { } q && q.Length == d ? q.ToArray() : Student.Embed(new[] { query });
            return Student.Score(queryVector, passages, _workspace);
        }, cancellationToken);
    }
}
