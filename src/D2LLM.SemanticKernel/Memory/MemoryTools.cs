using System.Reflection;
using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel;

/// <summary>
/// The memory functions as AIFunctions for an <c>IChatClient</c> (put them in ChatOptions.Tools): <c>memory_search</c>
/// and <c>memory_save</c>.
/// </summary>
public static class MemoryTools
{
    public static IReadOnlyList<AIFunction> Create(RetrievalPipeline<Guid, MemoryRecord> pipeline)
    {
        var functions = new MemoryFunctions(pipeline);
        return new[]
        {
            Function(functions, nameof(MemoryFunctions.SearchAsync), "memory_search"),
            Function(functions, nameof(MemoryFunctions.SaveAsync), "memory_save"),
        };
    }

    private static AIFunction Function(MemoryFunctions target, string method, string name)
    {
        var info = typeof(MemoryFunctions).GetMethod(method)!;
        return AIFunctionFactory.Create(info, target, new AIFunctionFactoryOptions
        {
            Name = name, Description = info.GetCustomAttribute<System.ComponentModel.DescriptionAttribute>()?.Description,
        });
    }
}
