using D2LLM.CrossEncoder;
using D2LLM.Models;
using D2LLM.Retrieval;
using D2LLM.Storage.Embedded;
using D2LLM.Storage.Qdrant;
using D2LLM.Student;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace D2LLM.SemanticKernel;

/// <summary>Opens the library's pieces from folders and locations: what the DI extensions, the CLI and the examples use.</summary>
public static class D2Llm
{
    /// <summary>
    /// An embedding generator over a student folder, or a plain model folder (pooled as given, else as it declares); the
    /// backbone opened by <paramref name="openBackbone"/> (default <see cref="Backbones.Load"/>: the CPU engine); it owns
    /// (disposes) the model.
    /// </summary>
    public static D2LlmEmbeddingGenerator OpenEmbeddingGenerator(string modelDirectory, D2LlmEmbeddingOptions? options = null, PoolingMode? pooling = null,
        BackboneOpener? openBackbone = null) =>
        ModelFolder.EmbeddingKindOf(modelDirectory) == ModelFolderKind.Student
            ? FromStudent(StudentModel.Load(modelDirectory, openBackbone), options, ownsModel: true)
            : FromModel((openBackbone ?? Backbones.Load)(modelDirectory, null), options, pooling);

    /// <summary>An embedding generator over a loaded student (PMA embeddings); with <paramref name="ownsModel"/>, disposed with the generator.</summary>
    public static D2LlmEmbeddingGenerator FromStudent(StudentModel student, D2LlmEmbeddingOptions? options = null, bool ownsModel = false) =>
        new(student, options, ownsModel ? student : null);

    /// <summary>
    /// An embedding generator over a loaded backbone, pooled as <paramref name="pooling"/> says, else as its folder declares,
    /// else by the mean; with <paramref name="ownsModel"/>, disposed with the generator.
    /// </summary>
    public static D2LlmEmbeddingGenerator FromModel(IBackbone model, D2LlmEmbeddingOptions? options = null, PoolingMode? pooling = null, bool ownsModel = true)
    {
        int? end = options?.AppendEndOfText == true
            ? model.Encode("<|endoftext|>") is [int id] ? id : throw new ArgumentException("AppendEndOfText: the tokenizer has no <|endoftext|> token")
            : null;
        var encoder = PooledEncoder.ForFolder(model, pooling, ownsModel: false, endToken: end);
        return new D2LlmEmbeddingGenerator(encoder, options, ownsModel ? model : null);
    }

    /// <summary>The reranker a folder holds: a student (IEM) or a cross-encoder; disposing it releases the model.</summary>
    public static IReranker OpenReranker(string modelDirectory) => ModelFolder.KindOf(modelDirectory) switch
    {
        ModelFolderKind.CrossEncoder => new CrossEncoderReranker(CrossEncoderModel.Load(modelDirectory), ownsModel: true),
        ModelFolderKind.Student => new IemReranker(StudentModel.Load(modelDirectory), ownsModel: true),
        _ => throw NotAReranker(modelDirectory),
    };

    internal static InvalidDataException NotAReranker(string modelDirectory) =>
        new($"{modelDirectory}: a plain model is not a reranker; give a student (IEM) or a cross-encoder folder");

    /// <summary>
    /// A VectorData store: an embedded store file, or a Qdrant server for an http(s) URL (its gRPC port, 6334; each call
    /// given up after <paramref name="timeout"/>, 30 s by default, then retried). <paramref name="embeddingGenerator"/>
    /// embeds record properties of type string and string searches.
    /// </summary>
    public static VectorStore OpenStore(string pathOrUrl, string? apiKey = null, IEmbeddingGenerator? embeddingGenerator = null, TimeSpan? timeout = null) =>
        IsUrl(pathOrUrl)
            ? new QdrantVectorStore(new QdrantConnection { Endpoint = new Uri(pathOrUrl), ApiKey = apiKey, Timeout = timeout ?? TimeSpan.FromSeconds(30) },
                new QdrantVectorStoreOptions { EmbeddingGenerator = embeddingGenerator })
            : new EmbeddedVectorStore(pathOrUrl, new EmbeddedVectorStoreOptions { EmbeddingGenerator = embeddingGenerator });

    /// <summary>Whether a store location is a server URL rather than a file path.</summary>
    public static bool IsUrl(string pathOrUrl) =>
        pathOrUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || pathOrUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
}
