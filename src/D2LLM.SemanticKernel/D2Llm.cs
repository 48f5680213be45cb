using D2LLM.CrossEncoder;
using D2LLM.Models.Qwen;
using D2LLM.Retrieval;
using D2LLM.Storage;
using D2LLM.Storage.Embedded;
using D2LLM.Storage.Qdrant;
using D2LLM.Student;

namespace D2LLM.SemanticKernel;

/// <summary>Opens the library's pieces from folders and locations: what the DI extensions and the quickstart use.</summary>
public static class D2Llm
{
    /// <summary>An embedding generator over a student folder, or a plain Qwen folder pooled last/mean.</summary>
    public static D2LlmEmbeddingGenerator OpenEmbeddingGenerator(string modelDirectory, D2LlmEmbeddingOptions? options = null, PoolingMode pooling = PoolingMode.Mean)
    {
        if (StudentConfig.IsStudentFolder(modelDirectory))
        {
            var student = StudentModel.Load(modelDirectory);
            return new D2LlmEmbeddingGenerator(student, t => student.Backbone.EncodeUntrusted(t, student.Config.MaxTokens).Length, options, student);
        }

        var model = QwenModel.Load(modelDirectory);
        return FromModel(model, options, pooling);
    }

    /// <summary>An embedding generator over a loaded decoder (owned: disposed with the generator).</summary>
    public static D2LlmEmbeddingGenerator FromModel(QwenModel model, D2LlmEmbeddingOptions? options = null, PoolingMode pooling = PoolingMode.Mean)
    {
        int? end = options?.AppendEndOfText == true
            ? model.Tokenizer?.TokenToId("<|endoftext|>") ?? throw new ArgumentException("AppendEndOfText: the tokenizer has no <|endoftext|> token")
            : null;
        var encoder = new PooledEncoder(model, pooling, endToken: end);
        return new D2LlmEmbeddingGenerator(encoder, t => model.EncodeUntrusted(t, encoder.MaxTokens).Length + (end is null ? 0 : 1), options, model);
    }

    /// <summary>The reranker a folder holds: a student (IEM) or a cross-encoder; disposing it releases the model.</summary>
    public static IReranker OpenReranker(string modelDirectory) => CrossEncoderConfig.IsFolder(modelDirectory)
        ? new CrossEncoderReranker(CrossEncoderModel.Load(modelDirectory), ownsModel: true)
        : new IemReranker(StudentModel.Load(modelDirectory), ownsModel: true);

    /// <summary>An embedded store file, or a Qdrant server for an http(s) URL.</summary>
    public static IVectorStore OpenStore(string pathOrUrl, string? apiKey = null) =>
        pathOrUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || pathOrUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? new QdrantVectorStore(new QdrantOptions { Endpoint = new Uri(pathOrUrl), ApiKey = apiKey })
            : new EmbeddedVectorStore(pathOrUrl);
}
