using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel;

/// <summary>
/// A view of an embedding generator fixed to one side of an asymmetric task: calls that do not say which side
/// (<see cref="D2LlmEmbeddingOptions.InputKindKey"/>) are sent as <paramref name="kind"/>. Give VectorData paths, which
/// pass no options, the side they embed: the query view for a collection's search generator, the passage view for
/// upserts of string properties.
/// </summary>
public sealed class InputKindEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, EmbeddingInputKind kind)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public EmbeddingInputKind Kind { get; } = kind;

    public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        if (options?.AdditionalProperties?.ContainsKey(D2LlmEmbeddingOptions.InputKindKey) != true)
        {
            options = options?.Clone() ?? new EmbeddingGenerationOptions();
            options.AdditionalProperties ??= new AdditionalPropertiesDictionary();
            options.AdditionalProperties[D2LlmEmbeddingOptions.InputKindKey] = Kind == EmbeddingInputKind.Query ? "query" : "passage";
        }

        return base.GenerateAsync(values, options, cancellationToken);
    }
}
