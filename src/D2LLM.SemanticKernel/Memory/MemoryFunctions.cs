using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace D2LLM.SemanticKernel;

/// <summary>
/// The memory as functions an agent calls: <c>search</c> (a query, an optional count) and <c>save</c> (a text, an
/// optional id). Optional parameters have defaults, so the schema the model sees marks them optional. Semantic Kernel
/// takes them as a plugin (<see cref="MemoryPlugin"/>), Microsoft.Extensions.AI as AIFunctions (<see cref="MemoryTools"/>).
/// </summary>
public sealed class MemoryFunctions(RetrievalPipeline<Guid, MemoryRecord> pipeline)
{
    /// <summary>One search hit as the model sees it.</summary>
    public sealed record Hit(string Id, double Score, string Text);

    [KernelFunction("search")]
    [Description("Search the memory for passages relevant to a query; returns the best matches with scores.")]
    public async Task<IReadOnlyList<Hit>> SearchAsync(
        [Description("what to look for")] string query,
        [Description("how many results (default 5)")] int top = 5,
        CancellationToken cancellationToken = default) =>
        (await pipeline.SearchAsync(query, Math.Clamp(top, 1, 50), cancellationToken: cancellationToken).ConfigureAwait(false))
            .Select(h => new Hit(h.Record.Id, Math.Round(h.Score, 4), h.Text)).ToList();

    [KernelFunction("save")]
    [Description("Save a piece of text to the memory so that later searches can find it; returns its id.")]
    public async Task<string> SaveAsync(
        [Description("the text to remember")] string text,
        [Description("an id to store it under (optional; the same id replaces)")] string? id = null,
        CancellationToken cancellationToken = default) =>
        await pipeline.SaveAsync(text, id, cancellationToken).ConfigureAwait(false);
}
