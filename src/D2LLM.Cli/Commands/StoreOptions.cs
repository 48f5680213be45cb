using System.CommandLine;
using D2LLM.Models;
using D2LLM.SemanticKernel;
using Microsoft.Extensions.VectorData;

namespace D2LLM.Cli.Commands;

/// <summary>The options `index` and `search` share: where the store is, which collection, and the embedding model.</summary>
internal sealed class StoreOptions
{
    public Option<string> Store { get; } = new("--store") { Description = "an embedded store file (PATH), or a Qdrant server's gRPC endpoint (http(s)://host:6334)", Required = true };
    public Option<string> Collection { get; } = new("--collection") { Description = "collection name", DefaultValueFactory = _ => "documents" };
    public Option<string?> ApiKey { get; } = new("--api-key") { Description = "Qdrant api-key (default: QDRANT_API_KEY)" };
    public Option<double> Timeout { get; } = new("--timeout") { Description = "seconds a Qdrant call may take before it counts as failed (and is retried)", DefaultValueFactory = _ => 30 };
    public Option<string> Model { get; } = CommonOptions.Model();
    public Option<string?> Pooling { get; } = new("--pooling") { Description = "last | mean | cls, for a plain model (default: what its folder declares, else mean)" };
    public DeviceOption Device { get; } = new();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Store, Collection, ApiKey, Timeout, Model, Pooling }) command.Options.Add(option);
        Device.AddTo(command);
    }

    /// <summary>The store; with <paramref name="mustExist"/>, an embedded file that is not there is an error rather than a new empty store.</summary>
    public VectorStore OpenStore(ParseResult r, bool mustExist)
    {
        string location = r.GetValue(Store)!;
        if (mustExist && !D2Llm.IsUrl(location) && !File.Exists(location)) throw new FileNotFoundException($"{location}: no such store file (run index first)");
        double seconds = r.GetValue(Timeout);
        if (!(seconds > 0)) throw new ArgumentException($"--timeout: {seconds} is not a positive number of seconds");
        return D2Llm.OpenStore(location, r.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("QDRANT_API_KEY"), timeout: TimeSpan.FromSeconds(seconds));
    }

    /// <summary>The embedding model: a student folder (PMA embeddings), or a plain model with --pooling on --device.</summary>
    public D2LlmEmbeddingGenerator OpenEmbeddings(ParseResult r) =>
        D2Llm.OpenEmbeddingGenerator(r.GetValue(Model)!, pooling: PoolingOf(r), openBackbone: (d, o) => Device.Load(r, d, o));

    public PoolingMode? PoolingOf(ParseResult r) => FlagChoice.Pooling(r.GetValue(Pooling));
}
