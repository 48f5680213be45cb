using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>Counts the texts that go through the backbone, and the time spent on them.</summary>
internal sealed class CountingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner) : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public int Texts { get; private set; }
    public double Milliseconds { get; private set; }

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var list = values.ToList();
        var clock = Stopwatch.StartNew();
        var result = await base.GenerateAsync(list, options, cancellationToken);
        Texts += list.Count;
        Milliseconds += clock.Elapsed.TotalMilliseconds;
        return result;
    }
}
