using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace D2LLM.Storage.Mapping;

/// <summary>
/// The vector types both stores hold as they are (ReadOnlyMemory&lt;float&gt;, float[], Embedding&lt;float&gt;); a vector
/// property of any other type (a string) is embedded by its generator.
/// </summary>
internal static class NativeVectors
{
    public const string Types = "ReadOnlyMemory<float>, ReadOnlyMemory<float>?, float[], Embedding<float>";

    public static bool IsNative(Type type) =>
        type == typeof(ReadOnlyMemory<float>) || type == typeof(ReadOnlyMemory<float>?) || type == typeof(float[]) || type == typeof(Embedding<float>);

    /// <summary>A native vector's floats, or null for a missing vector.</summary>
    public static float[]? ToArray(object? value, string property) => value switch
    {
        null => null,
        ReadOnlyMemory<float> m => m.ToArray(),
        float[] a => a,
        Embedding<float> e => e.Vector.ToArray(),
        _ => throw new ArgumentException($"vector property '{property}' holds a {value.GetType().Name}, not one of {Types}"),
    };

    /// <summary>Floats as the property's vector type.</summary>
    public static object As(float[] vector, Type type) =>
        type == typeof(float[]) ? vector : type == typeof(Embedding<float>) ? new Embedding<float>(vector) : new ReadOnlyMemory<float>(vector);

    /// <summary>
    /// The vector to search with: a native vector as it is, anything else (a string) through the property's embedding
    /// generator, with VectorData's messages when that is impossible.
    /// </summary>
    public static async Task<float[]> SearchVectorAsync<TInput>(TInput value, VectorPropertyModel property, CancellationToken cancellationToken)
        where TInput : notnull => value switch
        {
            ReadOnlyMemory<float> m => m.ToArray(),
            float[] a => a,
            Embedding<float> e => e.Vector.ToArray(),
            _ when property.EmbeddingGenerator is null =>
                throw new NotSupportedException(VectorDataStrings.InvalidSearchInputAndNoEmbeddingGeneratorWasConfigured(value.GetType(), Types)),
            _ when property.EmbeddingGenerator is IEmbeddingGenerator<TInput, Embedding<float>> generator =>
                (await generator.GenerateAsync(value, cancellationToken: cancellationToken).ConfigureAwait(false)).Vector.ToArray(),
            _ => ((Embedding<float>)await property.GenerateEmbeddingAsync(value, cancellationToken).ConfigureAwait(false)).Vector.ToArray(),
        };
}
