using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel;

/// <summary>
/// The retrieval pipeline as tools an agent can call: <c>memory_search</c> and <c>memory_save</c>, made with
/// AIFunctionFactory (Semantic Kernel imports them with <c>AsKernelFunction()</c>).
/// </summary>
public static class MemoryTools
{
    public static IReadOnlyList<AIFunction> Create(RetrievalPipeline pipeline) => new[]
    {
        AIFunctionFactory.Create(
            [Description("Search the memory for passages relevant to a query; returns the best matches with scores.")]
            async ([Description("what to look for")] string query, [Description("how many results (default 5)")] int? top, CancellationToken cancellationToken) =>
                (await pipeline.SearchAsync(query, top, cancellationToken)).Select(h => new { id = h.Id, score = Math.Round(h.Score, 4), text = h.Text }).ToList(),
            "memory_search"),
        AIFunctionFactory.Create(
            [Description("Save a piece of text to the memory so that later searches can find it; returns its id.")]
            async ([Description("the text to remember")] string text, [Description("an id to store it under (optional; the same id replaces)")] string? id, CancellationToken cancellationToken) =>
                new { id = await pipeline.SaveAsync(text, id, null, cancellationToken) },
            "memory_save"),
    };
}
