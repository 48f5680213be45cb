using D2LLM.Models.Checkpoints;
using D2LLM.Models;
using D2LLM.Tensors;

namespace D2LLM.Student;

/// <summary>
/// A distilled D2LLM student loaded from its folder: backbone → PMA embeddings, and IEM scores over embeddings
/// (so stored passages are reranked without another backbone pass).
/// </summary>
public sealed class StudentModel : IDisposable, Retrieval.IDenseEncoder, Retrieval.IPassageScorer
{
    private StudentModel(StudentConfig config, IBackbone backbone, StudentHeads heads, string directory)
    {
        Config = config;
        Backbone = backbone;
        Heads = heads;
        Directory = directory;
    }

    public StudentConfig Config { get; }
    public IBackbone Backbone { get; }
    public StudentHeads Heads { get; }
    public string Directory { get; }
    public int Dimensions => Heads.Pma.OutputDim;

    /// <summary>A student folder, its backbone opened by <paramref name="openBackbone"/> (default <see cref="Backbones.Load"/>: the CPU engine).</summary>
    public static StudentModel Load(string directory, BackboneOpener? openBackbone = null)
    {
        var config = StudentConfig.Load(directory);
        string backbonePath = Path.IsPathRooted(config.Backbone) ? config.Backbone : Path.GetFullPath(Path.Combine(directory, config.Backbone));
        var backbone = (openBackbone ?? Backbones.Load)(backbonePath, new ModelLoadOptions { Layers = config.BackboneLayers });
        try
        {
            if (backbone.HiddenSize != config.Dim)
                throw new InvalidDataException($"{Path.Combine(directory, StudentConfig.FileName)}: dim {config.Dim} does not match the backbone's hidden size {backbone.HiddenSize}");
            var heads = new StudentHeads(config.HeadsOptions());
            ParameterFile.Read(Path.Combine(directory, StudentConfig.HeadsFile), heads.Parameters);
            if (config.LoraRank is int rank)
            {
                backbone.AddLora(new LoraOptions { Rank = rank, Alpha = config.LoraAlpha ?? rank, Dropout = 0 }, seed: 0);
                ParameterFile.Read(Path.Combine(directory, StudentConfig.LoraFile), backbone.LoraParameters());
            }

            return new StudentModel(config, backbone, heads, directory);
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>A student assembled from parts already in memory (benchmarks of published shapes; the folder is then only a name).</summary>
    public static StudentModel Assemble(StudentConfig config, IBackbone backbone, StudentHeads heads, string directory = "") =>
        backbone.HiddenSize == config.Dim ? new StudentModel(config, backbone, heads, directory)
            : throw new ArgumentException($"dim {config.Dim} does not match the backbone's hidden size {backbone.HiddenSize}");

    /// <summary>Writes a student folder: config and heads (atomically, each file written beside and moved in).</summary>
    public static void Save(string directory, StudentConfig config, StudentHeads heads, IEnumerable<Tensors.Optim.Parameter>? lora = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        ParameterFile.Write(Path.Combine(directory, StudentConfig.HeadsFile), heads.Parameters);
        if (lora is not null)
            ParameterFile.Write(Path.Combine(directory, StudentConfig.LoraFile), lora);
        config.Save(directory);
    }

    /// <summary>The student's window (max_tokens of its config).</summary>
    public int MaxTokens => Config.MaxTokens;

    /// <summary>A text's ids for the backbone (untrusted: no special tokens; whole). An empty text is refused.</summary>
    public int[] Tokenize(string text) =>
        text.Length > 0 ? Backbone.EncodeUntrusted(text, int.MaxValue) : throw new ArgumentException("cannot embed an empty text");

    /// <summary>Embeddings [texts, dimensions] (texts are untrusted: no special tokens; truncated to max_tokens).</summary>
    public float[] Embed(IReadOnlyList<string> texts) => EmbedTokens(texts.Select(Tokenize).ToList());

    /// <summary>Embeddings [texts, dimensions] of tokenized texts, each cut to max_tokens.</summary>
    public float[] EmbedTokens(IReadOnlyList<int[]> texts)
    {
        var batch = TokenBatch.Pack(texts.Select(ids => Backbone.Truncate(ids, Config.MaxTokens)).ToList());
        var hidden = Backbone.Forward(batch);
        var host = new float[hidden.Length];
        Backbone.Kernels.CopyTo(hidden, host);
        return Heads.Embed(host, batch.Starts).Data;
    }

    /// <summary>IEM logits of a query against passages, embedding both (with stored passage vectors, use the overload below).</summary>
    public float[] Score(string query, IReadOnlyList<string> passages) => Score(Embed(new[] { query }), Embed(passages));

    /// <summary>IEM logits of one query embedding against passage embeddings [n, dimensions] (with a workspace: its buffers, reused).</summary>
    public float[] Score(float[] query, float[] passages, IemWorkspace? workspace = null)
    {
        int n = passages.Length / Dimensions;
        return Heads.Iem.Forward(Tensor.Wrap(query, 1, Dimensions), Tensor.Wrap(passages, n, Dimensions),
            new int[n], Enumerable.Range(0, n).ToArray(), Config.IemTask, workspace: workspace);
    }

    /// <summary>IEM logits of aligned pairs: row i of <paramref name="first"/> with row i of <paramref name="second"/>.</summary>
    public float[] ScorePairs(float[] first, float[] second)
    {
        int n = first.Length / Dimensions;
        if (second.Length != first.Length) throw new ArgumentException("one second embedding per first embedding");
        var rows = Enumerable.Range(0, n).ToArray();
        return Heads.Iem.Forward(Tensor.Wrap(first, n, Dimensions), Tensor.Wrap(second, n, Dimensions), rows, rows, Config.IemTask);
    }

    public void Dispose() => Backbone.Dispose();
}
