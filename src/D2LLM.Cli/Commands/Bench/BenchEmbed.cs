using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Tensors;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>
/// <c>d2llm bench embed --model DIR --corpus FILE</c>: corpus embedding throughput of a plain model folder as the dense
/// first stage runs it — texts in batches of <c>--batch</c>, cut to <c>--max-tokens</c>, pooled as the folder declares —
/// in documents per second, with peak RSS. bench/embed.sh runs it beside ONNX Runtime on the same model.
/// </summary>
internal static class BenchEmbed
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a plain model folder (an encoder from import-onnx, or a decoder)", Required = true };
        var corpus = new Option<string>("--corpus") { Description = "BEIR corpus.jsonl (title and text, as eval joins them)", Required = true };
        var documents = new Option<int>("--documents") { Description = "documents embedded (the first N)", DefaultValueFactory = _ => 640 };
        var batch = new Option<int>("--batch") { Description = "documents per forward pass", DefaultValueFactory = _ => 32 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "each document cut to this many tokens", DefaultValueFactory = _ => 256 };
        var precision = new Option<string>("--precision")
        {
            Description = "f32 | bf16 (the engine's Linear layers on AVX512-BF16 dot products; f32 where the CPU has none)", DefaultValueFactory = _ => "f32",
        };
        var cmd = new Command("embed", "Corpus embedding throughput of a plain model folder (documents/s, peak RSS); the first batch is not timed.")
            { model, corpus, documents, batch, maxTokens, precision };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var texts = CorpusFile.Read(r.GetValue(corpus)!).Take(r.GetValue(documents) + r.GetValue(batch)).Select(d => d.Text).ToList();
            var kernels = FlagChoice.Parse("--precision", "precision", r.GetValue(precision)!, ("f32", CpuKernels.Instance), ("bf16", CpuKernels.Bf16));
            using var backbone = Backbones.Load(r.GetValue(model)!, new ModelLoadOptions { Kernels = kernels });
            var encoder = Retrieval.PooledEncoder.ForFolder(backbone, ownsModel: false);
            var ids = texts.Select(t => backbone.Truncate(encoder.Tokenize(t), r.GetValue(maxTokens))).ToList();
            int size = r.GetValue(batch), timed = 0;
            var clock = new Stopwatch();
            for (int start = 0; start < ids.Count; start += size)
            {
                var chunk = ids.GetRange(start, Math.Min(size, ids.Count - start));
                if (start > 0) clock.Start(); // the first batch compiles the code
                encoder.EmbedTokens(chunk);
                clock.Stop();
                if (start > 0) timed += chunk.Count;
            }

            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "embed", engine = r.GetValue(precision) == "bf16" ? "d2llm-bf16" : "d2llm", model = Path.GetFileName(r.GetValue(model)!.TrimEnd('/')), documents = timed, batch = size,
                max_tokens = r.GetValue(maxTokens), tokens = ids.Skip(size).Sum(i => i.Length), docs_per_s = Math.Round(timed / clock.Elapsed.TotalSeconds, 2),
                peak_rss_mb = PeakRss.Megabytes(), threads = Environment.ProcessorCount, cpu = CpuModel.Name,
            }));
            return 0;
        }));
        return cmd;
    }
}
