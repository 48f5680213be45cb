using D2LLM.Retrieval;
using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel;

/// <summary>
/// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> over a D2LLM student or a plain Qwen with pooling.
/// Thread-safe: calls take turns on the model (one forward pass already uses every core), and a plain model's vector
/// of a text does not depend on what it is batched with, so concurrent callers get exactly the vectors of sequential
/// calls (a student's PMA pools a batch together: equal within float rounding). Reports
/// metadata (provider "d2llm", model id, dimensions) and usage (input tokens embedded, by the model's tokenizer). A text
/// longer than the model's window is truncated and its embedding marked, or refused (<see cref="D2LlmEmbeddingOptions.LongTexts"/>).
/// </summary>
public sealed class D2LlmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly IDenseEncoder _encoder;
    private readonly D2LlmEmbeddingOptions _options;
    private readonly ModelTurns _turns;
    private readonly IDisposable? _owned;

    /// <param name="encoder">the model (a StudentModel or a PooledEncoder); each text is tokenized once, by it</param>
    /// <param name="options">modes, batching and the model id</param>
    /// <param name="owned">disposed with the generator (the loaded model), if any</param>
    public D2LlmEmbeddingGenerator(IDenseEncoder encoder, D2LlmEmbeddingOptions? options = null, IDisposable? owned = null)
    {
        _encoder = encoder;
        _options = options ?? new D2LlmEmbeddingOptions();
        _owned = owned;
        _turns = new ModelTurns(this);
        Metadata = new EmbeddingGeneratorMetadata("d2llm", null, _options.ModelId, encoder.Dimensions);
    }

    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <summary>The model's window in tokens: a longer text is truncated (and its embedding marked) or refused.</summary>
    public int MaxTokens => _encoder.MaxTokens;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var kind = Kind(options);
        var texts = values.Select(v => string.IsNullOrEmpty(v) ? throw new ArgumentException("cannot embed an empty text") : kind == EmbeddingInputKind.Query ? _options.QueryPrefix + v : v).ToList();
        return await _turns.RunAsync(() => Embed(texts, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The texts' embeddings in forward passes of about BatchTokens tokens each, with usage; run in the model's turn.
    /// Each text is tokenized once: its ids give the batching, the usage and the long-text check, then the embedding.
    /// </summary>
    private GeneratedEmbeddings<Embedding<float>> Embed(List<string> texts, CancellationToken cancellationToken)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        int window = _encoder.MaxTokens;
        long tokens = 0;
        var tokenized = texts.Select((text, t) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ids = _encoder.Tokenize(text);
            if (ids.Length > window && _options.LongTexts == LongTextHandling.Refuse)
                throw new ArgumentException($"text {t} has {ids.Length} tokens, more than the model's {window}-token window (LongTexts = Refuse): split it into passages");
            tokens += Math.Min(ids.Length, window);
            return ids;
        });
        foreach (var batch in TokenBudget.Batches(tokenized, ids => Math.Min(ids.Length, window), _options.BatchTokens))
        {
            var vectors = _encoder.EmbedTokens(batch);
            for (int i = 0; i < batch.Count; i++)
            {
                var embedding = new Embedding<float>(vectors.AsMemory(i * _encoder.Dimensions, _encoder.Dimensions)) { ModelId = _options.ModelId, CreatedAt = DateTimeOffset.UtcNow };
                if (batch[i].Length > window) embedding.AdditionalProperties = new() { [D2LlmEmbeddingOptions.TruncatedKey] = batch[i].Length };
                result.Add(embedding);
            }
        }

        result.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return Metadata;
        if (serviceType.IsInstanceOfType(this)) return this;
        return serviceType.IsInstanceOfType(_encoder) ? _encoder : null;
    }

    /// <summary>
    /// Releases the owned model once the running call, if any, has finished (its weights may be memory-mapped: freeing
    /// them under a forward pass would crash the process); later and waiting calls throw ObjectDisposedException.
    /// </summary>
    public void Dispose() => _turns.Close(_owned is null ? null : _owned.Dispose);

    private EmbeddingInputKind Kind(EmbeddingGenerationOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(D2LlmEmbeddingOptions.InputKindKey, out var value) == true
            ? value?.ToString()?.ToLowerInvariant() switch
            {
                "query" => EmbeddingInputKind.Query,
                "passage" or "document" => EmbeddingInputKind.Passage,
                var other => throw new ArgumentException($"{D2LlmEmbeddingOptions.InputKindKey}: '{other}' is neither query nor passage"),
            }
            : _options.DefaultKind;
}
