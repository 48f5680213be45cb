using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace D2LLM.Storage.Tests.VectorData;

/// <summary>The record most cases use: every kind of data property the stores share, one 4-d vector.</summary>
public sealed class Hotel<TKey>
{
    [VectorStoreKey] public TKey Key { get; set; } = default!;
    [VectorStoreData(IsIndexed = true)] public string Name { get; set; } = "";
    [VectorStoreData(IsIndexed = true)] public int Rating { get; set; }
    [VectorStoreData(IsIndexed = true)] public double Price { get; set; }
    [VectorStoreData(IsIndexed = true)] public bool Open { get; set; }
    [VectorStoreData(IsIndexed = true)] public List<string> Tags { get; set; } = new();
    [VectorStoreData(IsFullTextIndexed = true)] public string Description { get; set; } = "";
    [VectorStoreData(IsIndexed = true)] public DateTimeOffset Opened { get; set; }
    [VectorStoreData(IsIndexed = true, StorageName = "city_name")] public string? City { get; set; }
    [VectorStoreVector(4)] public ReadOnlyMemory<float> Embedding { get; set; }
}

/// <summary>Two vectors (Qdrant: named vectors) of different sizes and distances.</summary>
public sealed class TwoVectors
{
    [VectorStoreKey] public Guid Key { get; set; }
    [VectorStoreData] public string Text { get; set; } = "";
    [VectorStoreVector(3, DistanceFunction = DistanceFunction.CosineSimilarity)] public ReadOnlyMemory<float> Small { get; set; }
    [VectorStoreVector(5, DistanceFunction = DistanceFunction.DotProductSimilarity, StorageName = "large_vector")] public float[]? Large { get; set; }
}

/// <summary>A vector property of type string: the collection embeds it with its generator.</summary>
public sealed class Note
{
    [VectorStoreKey] public Guid Key { get; set; }
    [VectorStoreData] public string Text { get; set; } = "";
    [VectorStoreVector(HashEmbeddingGenerator.Dimensions)] public string? Embedding { get; set; }
}

/// <summary>
/// A deterministic embedding: each word adds one to the dimension its hash picks, then the vector is scaled to unit
/// length; texts sharing words are close. Counts calls and texts so tests see how the store batches.
/// </summary>
public sealed class HashEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const int Dimensions = 16;

    public int Calls { get; private set; }
    public int Texts { get; private set; }

    public static float[] Embed(string text)
    {
        var v = new float[Dimensions];
        foreach (var word in text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            v[(int)((uint)word.Aggregate(17, (h, c) => unchecked(h * 31 + c)) % Dimensions)] += 1;
        float norm = MathF.Sqrt(v.Sum(x => x * x));
        return norm == 0 ? v : v.Select(x => x / norm).ToArray();
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values.ToList();
        Calls++;
        Texts += list.Count;
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(list.Select(t => new Embedding<float>(Embed(t)))));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
