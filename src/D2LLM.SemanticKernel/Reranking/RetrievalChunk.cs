namespace D2LLM.SemanticKernel;

/// <summary>
/// A retrieved piece of text in the shape of dotnet/extensions #7507's RetrievalChunk: content, a settable score, the
/// record it came from, and (our addition) the record's stored vector, which lets the IEM rerank without a backbone pass.
/// </summary>
public sealed class RetrievalChunk(string content, object? record = null, ReadOnlyMemory<float>? vector = null)
{
    public string Content { get; } = content;

    public double Score { get; set; }

    /// <summary>The stored record (the collection's record type), if the chunk came from a collection.</summary>
    public object? Record { get; } = record;

    public ReadOnlyMemory<float>? Vector { get; } = vector;
}
