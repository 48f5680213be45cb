using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using D2LLM.Models;
using D2LLM.Tensors;
using D2LLM.Tensors.Gemm;

namespace D2LLM.Cli.Commands;

/// <summary><c>d2llm bench ...</c>: throughput benchmarks whose last stdout line is one JSON object.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks; progress on stderr, one JSON object as the last line on stdout.");
        bench.Subcommands.Add(Gemm());
        bench.Subcommands.Add(Forward());
        bench.Subcommands.Add(Tokenizer());
        bench.Subcommands.Add(BenchSearch.Create());
        bench.Subcommands.Add(BenchRerank.Create());
        return bench;
    }

    private static Command Gemm()
    {
        var m = new Option<int>("--m") { Description = "rows of A and C", DefaultValueFactory = _ => 2048 };
        var n = new Option<int>("--n") { Description = "columns of B and C", DefaultValueFactory = _ => 2048 };
        var k = new Option<int>("--k") { Description = "inner dimension", DefaultValueFactory = _ => 2048 };
        var dtype = new Option<string>("--dtype") { Description = "storage type of B: f32, bf16 or f16", DefaultValueFactory = _ => "f32" };
        var transB = new Option<bool>("--trans-b") { Description = "B stored as n×k (a linear layer's weight)" };
        var runs = new Option<int>("--runs") { Description = "timed runs; the best is reported", DefaultValueFactory = _ => 5 };
        var cmd = new Command("gemm", "float32 C = A·B (B optionally bf16/f16), best of several runs, in GFLOP/s.")
        {
            m, n, k, dtype, transB, runs,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            int mm = r.GetValue(m), nn = r.GetValue(n), kk = r.GetValue(k);
            bool tb = r.GetValue(transB);
            string dt = r.GetValue(dtype)!.ToLowerInvariant();
            double seconds = dt switch
            {
                "f32" => TimeGemm<float>(mm, nn, kk, tb, r.GetValue(runs), x => x),
                "bf16" => TimeGemm(mm, nn, kk, tb, r.GetValue(runs), BFloat16.FromSingle),
                "f16" => TimeGemm(mm, nn, kk, tb, r.GetValue(runs), x => (Half)x),
                _ => throw new ArgumentException($"--dtype: unknown dtype '{dt}' (f32, bf16, f16)"),
            };
            double gflops = 2.0 * mm * nn * kk / seconds / 1e9;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "gemm", m = mm, n = nn, k = kk, dtype = dt, trans_b = tb,
                kernel = Matmul.BestKernel.ToString().ToLowerInvariant(), threads = Environment.ProcessorCount,
                gflops = Math.Round(gflops, 1),
            }));
            return 0;
        }));
        return cmd;
    }

    private static Command Forward()
    {
        var config = new Option<string>("--config") { Description = "published shape: qwen2.5-0.5b | qwen3-0.6b", DefaultValueFactory = _ => "qwen2.5-0.5b" };
        var batch = new Option<int>("--batch") { Description = "texts per forward pass", DefaultValueFactory = _ => 8 };
        var length = new Option<int>("--length") { Description = "tokens per text", DefaultValueFactory = _ => 128 };
        var runs = new Option<int>("--runs") { Description = "timed runs; the best is reported", DefaultValueFactory = _ => 5 };
        var cmd = new Command("forward", "Final hidden states of a randomly initialised decoder of a published shape (bf16 weights): tokens/s and peak RSS.")
        {
            config, batch, length, runs,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            string name = r.GetValue(config)!;
            var shape = PublishedShapes.Get(name);
            int b = r.GetValue(batch), l = r.GetValue(length);
            Console.Error.WriteLine($"forward {name}: drawing random bf16 weights ...");
            using var model = Backbones.RandomDecoder(shape, seed: 1);
            Console.Error.WriteLine($"forward {name}: weights ready, peak RSS so far {PeakRssMegabytes()} MB");
            var rng = new Random(7);
            var texts = Enumerable.Range(0, b).Select(_ => Enumerable.Range(0, l).Select(_ => rng.Next(shape.VocabSize)).ToArray()).ToList();
            var tokens = TokenBatch.Pack(texts);
            model.Forward(tokens);
            double best = double.MaxValue;
            for (int run = 0; run < Math.Max(1, r.GetValue(runs)); run++)
            {
                var sw = Stopwatch.StartNew();
                model.Forward(tokens);
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
                Console.Error.WriteLine($"forward {name} {b}x{l}: run {run + 1}: {b * l / sw.Elapsed.TotalSeconds:F1} tokens/s");
            }

            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "forward", config = name, batch = b, length = l,
                tokens_per_s = Math.Round(b * l / best, 1), peak_rss_mb = PeakRssMegabytes(),
            }));
            return 0;
        }));
        return cmd;
    }

    private static Command Tokenizer()
    {
        var model = new Option<string>("--model") { Description = "folder with tokenizer.json", Required = true };
        var input = new Option<string>("--input") { Description = "{\"text\"} JSON Lines (a BEIR corpus.jsonl) or a pair file (.tsv: both sentences of each pair)", Required = true };
        var cmd = new Command("tokenizer", """
            Tokenizer throughput on one thread, in MB/s of UTF-8 and tokens/s, over the texts: the first pass in the
            process (the code not yet compiled: what a short-lived command sees); after 2 s of cold passes that let the
            runtime compile the hot code fully, a cold pass (the cache of pre-token merges emptied first: the figure
            for a corpus encoded once; mb_per_s); then a warm pass (every pre-token cached).
            """)
        {
            model, input,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            string path = r.GetValue(input)!;
            var texts = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
                ? File.ReadLines(path).Where(x => x.Length > 0).Select(x => System.Text.Json.Nodes.JsonNode.Parse(x)!["text"]!.GetValue<string>()).ToList()
                : Data.PairFile.Read(path).SelectMany(p => new[] { p.Text1, p.Text2 }).ToList();
            long bytes = texts.Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t));
            long tokens = 0;
            double Pass(Models.Tokenization.ByteLevelBpeTokenizer tokenizer)
            {
                var clock = Stopwatch.StartNew();
                tokens = 0;
                foreach (var text in texts) tokens += tokenizer.Encode(text).Length;
                return clock.Elapsed.TotalSeconds;
            }

            var tokenizer = Models.Tokenization.ByteLevelBpeTokenizer.Load(r.GetValue(model)!);
            double first = Pass(tokenizer);
            // Cold passes until the runtime has compiled the hot code fully (tiering needs calls and time), then the measured one.
            for (var warming = Stopwatch.StartNew(); warming.Elapsed < TimeSpan.FromSeconds(2);)
            {
                tokenizer.ClearCache();
                Pass(tokenizer);
            }

            tokenizer.ClearCache();
            double cold = Pass(tokenizer), warm = Pass(tokenizer);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "tokenizer", texts = texts.Count, mb = Math.Round(bytes / 1e6, 2), tokens,
                mb_per_s = Math.Round(bytes / 1e6 / cold, 2), tokens_per_s = Math.Round(tokens / cold),
                first_pass_mb_per_s = Math.Round(bytes / 1e6 / first, 2), warm_mb_per_s = Math.Round(bytes / 1e6 / warm, 2),
            }));
            return 0;
        }));
        return cmd;
    }

    private static long PeakRssMegabytes() => PeakRssMegabytes(File.ReadLines("/proc/self/status"));

    /// <summary>The peak resident set (VmHWM) of a /proc status text, in MB: "VmHWM:\t  123456 kB" (the padding shrinks as the number grows).</summary>
    internal static long PeakRssMegabytes(IEnumerable<string> status)
    {
        foreach (var line in status)
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        return -1;
    }

    private static double TimeGemm<TB>(int m, int n, int k, bool transB, int runs, Func<float, TB> convert)
        where TB : unmanaged
    {
        var rng = new Random(42);
        var a = new float[(long)m * k];
        var b = new TB[(long)k * n];
        var c = new float[(long)m * n];
        for (long i = 0; i < a.LongLength; i++) a[i] = (float)rng.NextDouble();
        for (long i = 0; i < b.LongLength; i++) b[i] = convert((float)rng.NextDouble());
        int ldb = transB ? k : n;

        // Warm up for half a second: helpers without AggressiveOptimization reach the JIT's optimised tier after ~30 calls,
        // and a small product's 5 timed runs would otherwise all fall before that.
        var warmup = Stopwatch.StartNew();
        do Matmul.Multiply(false, transB, m, n, k, 1f, a, k, b, ldb, 0f, c, n);
        while (warmup.Elapsed.TotalSeconds < 0.5);
        double best = double.MaxValue;
        for (int run = 0; run < Math.Max(1, runs); run++)
        {
            var sw = Stopwatch.StartNew();
            Matmul.Multiply(false, transB, m, n, k, 1f, a, k, b, ldb, 0f, c, n);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            Console.Error.WriteLine($"gemm {m}x{n}x{k}: run {run + 1}/{runs} {2.0 * m * n * k / sw.Elapsed.TotalSeconds / 1e9:F1} GFLOP/s");
        }

        return best;
    }
}
