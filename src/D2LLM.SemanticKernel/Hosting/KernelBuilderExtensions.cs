using D2LLM.Models;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace D2LLM.SemanticKernel;

/// <summary>
/// The <see cref="ServiceCollectionExtensions"/> on a Semantic Kernel builder: <c>Kernel.CreateBuilder()
/// .AddD2LlmEmbeddingGenerator(dir)</c>. The chat client is an <c>IChatClient</c>, which SK's chat completion uses
/// (<c>FunctionChoiceBehavior.Auto()</c> runs the memory plugin's functions through SK's function invocation).
/// </summary>
public static class KernelBuilderExtensions
{
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddD2LlmEmbeddingGenerator(this IKernelBuilder builder, string modelDirectory,
        Action<D2LlmEmbeddingOptions>? configure = null, PoolingMode? pooling = null) =>
        builder.Services.AddD2LlmEmbeddingGenerator(modelDirectory, configure, pooling);

    public static IKernelBuilder AddD2LlmReranker(this IKernelBuilder builder, string modelDirectory)
    {
        builder.Services.AddD2LlmReranker(modelDirectory);
        return builder;
    }

    public static IKernelBuilder AddD2LlmVectorStore(this IKernelBuilder builder, string pathOrUrl, string? apiKey = null)
    {
        builder.Services.AddD2LlmVectorStore(pathOrUrl, apiKey);
        return builder;
    }

    public static IKernelBuilder AddD2LlmMemory(this IKernelBuilder builder, string collection = "memory", Action<RetrievalOptions<MemoryRecord>>? configure = null)
    {
        builder.Services.AddD2LlmMemory(collection, configure);
        return builder;
    }

    /// <summary>
    /// The local chat client over a Qwen folder, wrapped in SK's kernel function invocation (automatic function calling
    /// with the kernel's plugins and filters, as <c>FunctionChoiceBehavior.Auto()</c> asks).
    /// </summary>
    public static ChatClientBuilder AddD2LlmChatClient(this IKernelBuilder builder, string modelDirectory) =>
        builder.Services.AddD2LlmChatClient(modelDirectory, invokeFunctions: false).UseKernelFunctionInvocation();
}
