using System.Diagnostics;
using System.Text.Json;
using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Models.Onnx;
using D2LLM.Retrieval;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// bench/OnnxEmbedPeer MODEL.onnx|ASSEMBLY.dll FOLDER CORPUS [documents] [batch] [max-tokens]: the model (a file, or the
// model.onnx resource of a SentenceTransformers.* assembly) run on the engine's own tokenization of the
// same documents (so both sides read identical ids), sorted by length and batches padded to their longest text as
// sentence-transformers does (the least padding), last_hidden_state mean- or CLS-pooled as the folder declares; the
// first batch (the corpus's first documents) is not timed.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: OnnxEmbedPeer MODEL.onnx|ASSEMBLY.dll FOLDER CORPUS [documents=640] [batch=32] [max-tokens=256]");
    return 2;
}

int documents = args.Length > 3 ? int.Parse(args[3]) : 640, size = args.Length > 4 ? int.Parse(args[4]) : 32, maxTokens = args.Length > 5 ? int.Parse(args[5]) : 256;
var texts = CorpusFile.Read(args[2]).Take(documents + size).Select(d => d.Text).ToList();
List<int[]> ids;
PoolingMode pooling;
using (var backbone = Backbones.Load(args[1]))
{
    var encoder = PooledEncoder.ForFolder(backbone, ownsModel: false);
    pooling = encoder.Pooling;
    ids = texts.Select(t => backbone.Truncate(encoder.Tokenize(t), maxTokens)).ToList();
}

ids = [.. ids.Take(size), .. ids.Skip(size).OrderBy(t => t.Length)];

var onnx = args[0].EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? AssemblyResources.Read(args[0], "model.onnx") : File.ReadAllBytes(args[0]);
using var session = new InferenceSession(onnx, new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount, InterOpNumThreads = 1 });
var clock = new Stopwatch();
int timed = 0;
for (int start = 0; start < ids.Count; start += size)
{
    var chunk = ids.GetRange(start, Math.Min(size, ids.Count - start));
    int n = chunk.Max(c => c.Length);
    var input = new DenseTensor<long>([chunk.Count, n]);
    var mask = new DenseTensor<long>([chunk.Count, n]);
    for (int b = 0; b < chunk.Count; b++)
        for (int t = 0; t < chunk[b].Length; t++) (input[b, t], mask[b, t]) = (chunk[b][t], 1);
    if (start > 0) clock.Start();
    using var results = session.Run([NamedOnnxValue.CreateFromTensor("input_ids", input), NamedOnnxValue.CreateFromTensor("attention_mask", mask),
        NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>([chunk.Count, n]))], ["last_hidden_state"]);
    var states = results[0].AsTensor<float>();
    int h = (int)states.Dimensions[2];
    var pooled = new float[chunk.Count * h];
    for (int b = 0; b < chunk.Count; b++)
        for (int t = 0; t < (pooling == PoolingMode.First ? 1 : chunk[b].Length); t++)
            for (int j = 0; j < h; j++) pooled[b * h + j] += states[b, t, j] / (pooling == PoolingMode.First ? 1 : chunk[b].Length);
    clock.Stop();
    if (start > 0) timed += chunk.Count;
}

long peak = long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))["VmHWM:".Length..].Trim().Split(' ')[0]) / 1024;
Console.WriteLine(JsonSerializer.Serialize(new
{
    benchmark = "embed", engine = "onnxruntime", model = Path.GetFileName(args[1].TrimEnd('/')), documents = timed, batch = size, max_tokens = maxTokens,
    docs_per_s = Math.Round(timed / clock.Elapsed.TotalSeconds, 2), peak_rss_mb = peak, threads = Environment.ProcessorCount,
}));
return 0;
