using System.Text.Json;
using System.Text.RegularExpressions;
using D2LLM.Models.Bert;
using D2LLM.Models.Checkpoints;

namespace D2LLM.Models.Onnx;

/// <summary>
/// An ONNX export of a BERT encoder (as sentence-transformers and the transformers exporter write them) turned into a
/// Hugging Face folder the engine loads: config.json, model.safetensors, vocab.txt, tokenizer_config.json and the
/// sentence-transformers pooling files. Embeddings, biases and LayerNorms keep their Hugging Face names in the
/// initializers; the projection matrices are anonymous, so each is found by tracing its bias: Add(bias, MatMul(x, W))
/// names W, stored [in, out] and written transposed as the [out, in] Linear weight. The head count comes from the
/// Reshape that splits the first query into heads; layer_norm_eps is BERT's 1e-12 (the exported graph folds it).
/// </summary>
public static partial class OnnxBertImport
{
    private static readonly string[] Projections =
        ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense"];

    /// <summary>Writes the folder and returns the config it inferred.</summary>
    /// <param name="onnx">the model file's bytes</param>
    /// <param name="source">what the bytes came from, for errors</param>
    /// <param name="vocab">vocab.txt's text</param>
    /// <param name="outDir">the folder to write (created)</param>
    /// <param name="pooling">the sentence-transformers pooling: <see cref="PoolingMode.Mean"/> or <see cref="PoolingMode.First"/> ([CLS])</param>
    /// <param name="maxTokens">the window the model was trained and evaluated with (sentence-transformers' max_seq_length)</param>
    /// <param name="queryPrompt">the prefix the model expects on queries (arctic-embed's), or none</param>
    /// <param name="lowerCase">whether the vocabulary is uncased (the graph does not say; most sentence encoders are)</param>
    public static BertConfig Write(byte[] onnx, string source, string vocab, string outDir, PoolingMode pooling, int maxTokens = 512, string? queryPrompt = null,
        bool lowerCase = true)
    {
        var graph = OnnxGraph.Read(onnx, source);
        var init = graph.Initializers;
        OnnxGraph.Initializer Need(string name) => init.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"{source}: no initializer '{name}' (not a BERT export?)");
        var word = Need("embeddings.word_embeddings.weight");
        int hidden = (int)word.Dims[1];
        int layers = init.Keys.Select(k => LayerIndex().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).DefaultIfEmpty(-1).Max() + 1;
        if (layers == 0) throw new InvalidDataException($"{source}: no encoder.layer.N tensors (not a BERT export?)");
        var config = new BertConfig
        {
            HiddenSize = hidden, VocabSize = (int)word.Dims[0], NumLayers = layers, NumHeads = Heads(graph, hidden, source),
            IntermediateSize = (int)Need("encoder.layer.0.intermediate.dense.bias").Dims[0],
            MaxPositions = (int)Need("embeddings.position_embeddings.weight").Dims[0], TypeVocabSize = (int)Need("embeddings.token_type_embeddings.weight").Dims[0],
        };

        var entries = new List<SafetensorsEntry>();
        foreach (var name in new[] { "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
                     "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias" })
            entries.Add(Entry(Need(name)));
        for (int i = 0; i < layers; i++)
        {
            foreach (var projection in Projections)
            {
                var bias = Need($"encoder.layer.{i}.{projection}.bias");
                var weight = WeightOf(graph, bias.Name, source);
                entries.Add(Transposed($"encoder.layer.{i}.{projection}.weight", weight));
                entries.Add(Entry(bias));
            }

            foreach (var norm in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                entries.Add(Entry(Need($"encoder.layer.{i}.{norm}.weight")));
                entries.Add(Entry(Need($"encoder.layer.{i}.{norm}.bias")));
            }
        }

        Directory.CreateDirectory(Path.Combine(outDir, "1_Pooling"));
        SafetensorsWriter.Write(Path.Combine(outDir, Checkpoint.SingleFile), entries, new Dictionary<string, string> { ["format"] = "pt" });
        WriteText(Path.Combine(outDir, "config.json"), config.ToJson());
        WriteText(Path.Combine(outDir, "vocab.txt"), vocab);
        WriteText(Path.Combine(outDir, "tokenizer_config.json"), Json(new { do_lower_case = lowerCase, tokenizer_class = "BertTokenizer", model_max_length = config.MaxPositions }));
        WriteText(Path.Combine(outDir, "modules.json"), Json(new object[]
        {
            new { idx = 0, name = "0", path = "", type = "sentence_transformers.models.Transformer" },
            new { idx = 1, name = "1", path = "1_Pooling", type = "sentence_transformers.models.Pooling" },
            new { idx = 2, name = "2", path = "2_Normalize", type = "sentence_transformers.models.Normalize" },
        }));
        WriteText(Path.Combine(outDir, "1_Pooling", "config.json"), Json(new
        {
            word_embedding_dimension = hidden, pooling_mode_cls_token = pooling == PoolingMode.First, pooling_mode_mean_tokens = pooling == PoolingMode.Mean,
            pooling_mode_max_tokens = false, pooling_mode_mean_sqrt_len_tokens = false,
        }));
        WriteText(Path.Combine(outDir, "sentence_bert_config.json"), Json(new { max_seq_length = Math.Min(maxTokens, config.MaxPositions), do_lower_case = false }));
        if (queryPrompt is not null) WriteText(Path.Combine(outDir, "config_sentence_transformers.json"), Json(new { prompts = new { query = queryPrompt }, default_prompt_name = (string?)null }));
        return config;
    }

    /// <summary>The MatMul weight whose output the bias is added to.</summary>
    private static OnnxGraph.Initializer WeightOf(OnnxGraph graph, string bias, string source)
    {
        var add = graph.Nodes.FirstOrDefault(n => n.Op == "Add" && n.Inputs.Contains(bias)) ?? throw new InvalidDataException($"{source}: no Add node takes {bias}");
        string product = add.Inputs.First(i => i != bias);
        var matmul = graph.Nodes.FirstOrDefault(n => n.Op == "MatMul" && n.Outputs.Contains(product))
            ?? throw new InvalidDataException($"{source}: {bias} is not added to a MatMul's output");
        return matmul.Inputs.Select(i => graph.Initializers.GetValueOrDefault(i)).LastOrDefault(t => t is { Dims.Length: 2 })
            ?? throw new InvalidDataException($"{source}: the MatMul before {bias} has no weight initializer");
    }

    /// <summary>Heads from the Reshape that splits layer 0's query, key or value: its target shape ends (…, heads, head_dim) with heads·head_dim = hidden.</summary>
    private static int Heads(OnnxGraph graph, int hidden, string source)
    {
        var projections = graph.Nodes.Where(n => n.Op == "Add" && n.Inputs.Any(i => i.StartsWith("encoder.layer.0.attention.self.", StringComparison.Ordinal)))
            .Select(n => n.Outputs[0]).ToHashSet();
        foreach (var reshape in graph.Nodes.Where(n => n.Op == "Reshape" && projections.Contains(n.Inputs[0])))
        {
            var shape = graph.Nodes.FirstOrDefault(n => n.Op == "Concat" && n.Outputs.Contains(reshape.Inputs[1]));
            var values = shape is null
                ? graph.Constant(reshape.Inputs[1])?.Longs().ToList()
                : shape.Inputs.Select(graph.Constant).Where(t => t is { ElementType: 7 }).SelectMany(t => t!.Longs()).ToList();
            if (values is { Count: >= 2 } && values[^2] > 0 && values[^2] * values[^1] == hidden) return (int)values[^2];
        }

        throw new InvalidDataException($"{source}: the head count could not be read from the graph (no Reshape of a layer-0 projection into heads)");
    }

    private static SafetensorsEntry Entry(OnnxGraph.Initializer t) => SafetensorsEntry.FromFloats(t.Name, t.Dims.Select(d => (int)d).ToArray(), t.Floats());

    private static SafetensorsEntry Transposed(string name, OnnxGraph.Initializer t)
    {
        int rows = (int)t.Dims[0], cols = (int)t.Dims[1];
        var source = t.Floats();
        var result = new float[source.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) result[c * rows + r] = source[r * cols + c];
        return SafetensorsEntry.FromFloats(name, [cols, rows], result);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true });

    private static void WriteText(string path, string text)
    {
        File.WriteAllText(path + ".partial", text);
        File.Move(path + ".partial", path, overwrite: true);
    }

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndex();
}
