using D2LLM.Models.Qwen;
using D2LLM.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace D2LLM.SemanticKernel;

/// <summary>Registers the D2LLM pieces in a service collection (a Semantic Kernel builder's <c>Services</c> works too).</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The embedding generator as <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> and as the non-generic
    /// <c>IEmbeddingGenerator</c> (which vector-store connectors look up), a singleton loaded on first use.
    /// </summary>
    public static IServiceCollection AddD2LlmEmbeddingGenerator(this IServiceCollection services, string modelDirectory,
        Action<D2LlmEmbeddingOptions>? configure = null, PoolingMode pooling = PoolingMode.Mean)
    {
        var options = new D2LlmEmbeddingOptions();
        configure?.Invoke(options);
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(_ => D2Llm.OpenEmbeddingGenerator(modelDirectory, options, pooling));
        services.AddSingleton<IEmbeddingGenerator>(sp => sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        return services;
    }

    /// <summary>The reranker of a student (IEM) or cross-encoder folder.</summary>
    public static IServiceCollection AddD2LlmReranker(this IServiceCollection services, string modelDirectory) =>
        services.AddSingleton(_ => D2Llm.OpenReranker(modelDirectory));

    /// <summary>The vector store: an embedded file path, or a Qdrant URL.</summary>
    public static IServiceCollection AddD2LlmVectorStore(this IServiceCollection services, string pathOrUrl, string? apiKey = null) =>
        services.AddSingleton(_ => D2Llm.OpenStore(pathOrUrl, apiKey));

    /// <summary>
    /// The retrieval pipeline over a collection of the registered store (vector size from the registered generator),
    /// with the registered reranker when there is one, and its memory tools as <c>IEnumerable&lt;AIFunction&gt;</c>.
    /// </summary>
    public static IServiceCollection AddD2LlmRetrieval(this IServiceCollection services, string collection, Action<RetrievalOptions>? configure = null)
    {
        var options = new RetrievalOptions();
        configure?.Invoke(options);
        services.AddSingleton(sp =>
        {
            var generator = sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            int dimensions = generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions
                ?? throw new InvalidOperationException("the embedding generator does not report its dimensions");
            var store = sp.GetRequiredService<IVectorStore>();
            return new RetrievalPipeline(generator, store.GetCollection(collection, new CollectionOptions(dimensions)), sp.GetService<IReranker>(), options);
        });
        services.AddSingleton<IEnumerable<AIFunction>>(sp => MemoryTools.Create(sp.GetRequiredService<RetrievalPipeline>()));
        return services;
    }
}
