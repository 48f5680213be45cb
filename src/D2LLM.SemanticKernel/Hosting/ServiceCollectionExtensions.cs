using D2LLM.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.VectorData;
using Microsoft.SemanticKernel.Data;

namespace D2LLM.SemanticKernel;

/// <summary>
/// Registers the D2LLM pieces in a service collection (for Semantic Kernel: <c>kernelBuilder.Services</c>, or the
/// <see cref="KernelBuilderExtensions"/>). Models load on first use, once per folder: the generator, reranker and chat
/// client registered for one folder share one copy, disposed with the container.
/// </summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The embedding generator over a student folder (or a plain model folder, pooled by <paramref name="pooling"/> or as it declares), as
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>, as the non-generic <c>IEmbeddingGenerator</c> (which
    /// VectorData stores look up), and as query and passage views keyed <see cref="D2LlmServiceKeys.QueryEmbeddings"/> /
    /// <see cref="D2LlmServiceKeys.PassageEmbeddings"/>. Returns M.E.AI's builder: chain <c>.UseLogging()</c>,
    /// <c>.UseOpenTelemetry()</c>, <c>.UseDistributedCache()</c>.
    /// </summary>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddD2LlmEmbeddingGenerator(this IServiceCollection services, string modelDirectory,
        Action<D2LlmEmbeddingOptions>? configure = null, PoolingMode? pooling = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new D2LlmEmbeddingOptions();
        configure?.Invoke(options);
        services.TryAddSingleton<LoadedModels>();
        var builder = services.AddEmbeddingGenerator(sp =>
        {
            var models = sp.GetRequiredService<LoadedModels>();
            return ModelFolder.EmbeddingKindOf(modelDirectory) == ModelFolderKind.Student
                ? D2Llm.FromStudent(models.Student(modelDirectory), options)
                : D2Llm.FromModel(models.Backbone(modelDirectory), options, pooling, ownsModel: false);
        });
        services.TryAddSingleton<IEmbeddingGenerator>(sp => sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(D2LlmServiceKeys.QueryEmbeddings,
            (sp, _) => new InputKindEmbeddingGenerator(sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(), EmbeddingInputKind.Query));
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(D2LlmServiceKeys.PassageEmbeddings,
            (sp, _) => new InputKindEmbeddingGenerator(sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(), EmbeddingInputKind.Passage));
        return builder;
    }

    /// <summary>The reranker of a student (IEM; it shares the student with a generator registered for the same folder) or a cross-encoder folder.</summary>
    public static IServiceCollection AddD2LlmReranker(this IServiceCollection services, string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<LoadedModels>();
        return services.AddSingleton<IReranker>(sp =>
        {
            var models = sp.GetRequiredService<LoadedModels>();
            return ModelFolder.KindOf(modelDirectory) switch
            {
                ModelFolderKind.CrossEncoder => new CrossEncoderReranker(models.CrossEncoder(modelDirectory)),
                ModelFolderKind.Student => new IemReranker(models.Student(modelDirectory)),
                _ => throw D2Llm.NotAReranker(modelDirectory),
            };
        });
    }

    /// <summary>
    /// The VectorData store: an embedded file path, or a Qdrant URL (gRPC port). The registered non-generic embedding
    /// generator, if any, embeds string vector properties and string searches (as VectorData's own DI helpers do).
    /// </summary>
    public static IServiceCollection AddD2LlmVectorStore(this IServiceCollection services, string pathOrUrl, string? apiKey = null) =>
        services.AddSingleton<VectorStore>(sp => D2Llm.OpenStore(pathOrUrl, apiKey, sp.GetService<IEmbeddingGenerator>()));

    /// <summary>
    /// A memory over a collection of <see cref="MemoryRecord"/>s in the registered store (created on first use, vector
    /// size from the registered generator), reranked by the registered reranker if any: the retrieval pipeline, its
    /// SK text search (<c>ITextSearch</c> and <c>ITextSearch&lt;MemoryRecord&gt;</c>), the memory plugin as a
    /// <c>KernelPlugin</c> (a Kernel built from these services picks it up) and its tools as <c>IEnumerable&lt;AIFunction&gt;</c>.
    /// </summary>
    public static IServiceCollection AddD2LlmMemory(this IServiceCollection services, string collection = "memory", Action<RetrievalOptions<MemoryRecord>>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new RetrievalOptions<MemoryRecord> { CreateCollection = true };
        configure?.Invoke(options);
        services.AddSingleton(sp => MemoryPipeline.Open(sp.GetRequiredService<VectorStore>(), collection,
            sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(), sp.GetService<IReranker>(), options));
        services.AddSingleton(sp => new RetrievalTextSearch<Guid, MemoryRecord>(sp.GetRequiredService<RetrievalPipeline<Guid, MemoryRecord>>()));
        services.AddSingleton<ITextSearch<MemoryRecord>>(sp => sp.GetRequiredService<RetrievalTextSearch<Guid, MemoryRecord>>());
#pragma warning disable CS0618 // the legacy ITextSearch: what SK's TextSearchProvider and plugin factories take
        services.AddSingleton<ITextSearch>(sp => sp.GetRequiredService<RetrievalTextSearch<Guid, MemoryRecord>>());
#pragma warning restore CS0618
        services.AddSingleton(sp => MemoryPlugin.Create(sp.GetRequiredService<RetrievalPipeline<Guid, MemoryRecord>>()));
        services.AddSingleton<IEnumerable<AIFunction>>(sp => MemoryTools.Create(sp.GetRequiredService<RetrievalPipeline<Guid, MemoryRecord>>()));
        return services;
    }

    /// <summary>
    /// The local chat client over a Qwen folder, wrapped (unless <paramref name="invokeFunctions"/> is false) in
    /// M.E.AI's function invocation: tool calls the model makes are run and answered. Returns M.E.AI's builder to chain
    /// more (<c>.UseLogging()</c>, <c>.UseOpenTelemetry()</c>, ...).
    /// </summary>
    public static ChatClientBuilder AddD2LlmChatClient(this IServiceCollection services, string modelDirectory, bool invokeFunctions = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<LoadedModels>();
        var builder = services.AddChatClient(sp => new QwenChatClient(sp.GetRequiredService<LoadedModels>().Decoder(modelDirectory)));
        return invokeFunctions ? builder.UseFunctionInvocation() : builder;
    }
}
