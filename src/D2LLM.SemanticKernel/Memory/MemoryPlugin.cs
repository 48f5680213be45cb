using Microsoft.SemanticKernel;

namespace D2LLM.SemanticKernel;

/// <summary>The memory functions as a Semantic Kernel plugin ("memory": <c>memory-search</c> / <c>memory-save</c> as the model sees them through SK).</summary>
public static class MemoryPlugin
{
    public const string DefaultName = "memory";

    public static KernelPlugin Create(RetrievalPipeline<Guid, MemoryRecord> pipeline, string pluginName = DefaultName) =>
        KernelPluginFactory.CreateFromObject(new MemoryFunctions(pipeline), pluginName);
}
