using System.CommandLine;
using D2LLM.Models.Qwen;
using D2LLM.Storage;

namespace D2LLM.Cli.Commands;

/// <summary>The options `index` and `search` share: where the store is, which collection, and the embedding model.</summary>
internal sealed class StoreOptions
{
    public Option<string> Store { get; } = new("--store") { Description = "an embedded store file (PATH), or a Qdrant server (http(s)://...)", Required = true };
    public Option<string> Collection { get; } = new("--collection") { Description = "collection name", DefaultValueFactory = _ => "documents" };
    public Option<string?> ApiKey { get; } = new("--api-key") { Description = "Qdrant api-key (default: QDRANT_API_KEY)" };
    public Option<string> Model { get; } = CommonOptions.Model();
    public Option<string> Pooling { get; } = new("--pooling") { Description = "last | mean, for a plain model", DefaultValueFactory = _ => "mean" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Store, Collection, ApiKey, Model, Pooling }) command.Options.Add(option);
    }

    public IVectorStore OpenStore(ParseResult r) =>
        SemanticKernel.D2Llm.OpenStore(r.GetValue(Store)!, r.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("QDRANT_API_KEY"));

    /// <summary>The embedding model: a student folder (PMA embeddings), or a plain model with --pooling.</summary>
    public SemanticKernel.D2LlmEmbeddingGenerator OpenEmbeddings(ParseResult r) =>
        SemanticKernel.D2Llm.OpenEmbeddingGenerator(r.GetValue(Model)!, pooling: PoolingOf(r));

    public PoolingMode PoolingOf(ParseResult r) => r.GetValue(Pooling) switch
    {
        "last" => PoolingMode.Last,
        "mean" => PoolingMode.Mean,
        var other => throw new ArgumentException($"--pooling: unknown mode '{other}' (last, mean)"),
    };
}
