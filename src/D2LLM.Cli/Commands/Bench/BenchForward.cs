using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using D2LLM.Models;
using D2LLM.Models.Qwen;
using D2LLM.Tensors.Gemm;
using D2LLM.Torch;

namespace D2LLM.Cli.Commands.Bench;

/// <summary><c>d2llm bench forward</c>: a decoder of a published shape (random bf16 weights): tokens/s and peak RSS.</summary>
internal static class BenchForward
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "published shape: qwen2.5-0.5b | qwen3-0.6b", DefaultValueFactory = _ => "qwen2.5-0.5b" };
        var batch = new Option<int>("--batch") { Description = "texts per forward pass", DefaultValueFactory = _ => 8 };
        var length = new Option<int>("--length") { Description = "tokens per text", DefaultValueFactory = _ => 128 };
        var runs = new Option<int>("--runs") { Description = "timed runs; the best is reported", DefaultValueFactory = _ => 5 };
        var engine = BenchEngine.Option();
        var cmd = new Command("forward", "Final hidden states of a randomly initialised decoder of a published shape (bf16 weights): tokens/s and peak RSS.")
        {
            config, batch, length, runs, engine,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            string name = r.GetValue(config)!;
            var shape = PublishedShapes.Get(name);
            int b = r.GetValue(batch), l = r.GetValue(length);
            var chosen = BenchEngine.Parse(r.GetValue(engine)!);
            Console.Error.WriteLine($"forward {name}: drawing random bf16 weights ...");
            var host = (QwenModel)Backbones.RandomDecoder(shape, seed: 1, kernels: chosen.Kernels);
            using var device = chosen.Torch is { } dtype ? TorchQwenDecoder.From(host, new TorchOptions { Device = "cpu", DType = dtype }) : null;
            if (device is not null)
            {
                host.Dispose();
                GC.Collect(); // the host copy of the weights is garbage once on the device
            }

            Action<TokenBatch> forward = device is null ? t => host.Forward(t) : t => device.Forward(t);
            Console.Error.WriteLine($"forward {name}: weights ready, peak RSS so far {PeakRss.Megabytes()} MB");
            var rng = new Random(7);
            var texts = Enumerable.Range(0, b).Select(_ => Enumerable.Range(0, l).Select(_ => rng.Next(shape.VocabSize)).ToArray()).ToList();
            var tokens = TokenBatch.Pack(texts);
            forward(tokens);
            double best = double.MaxValue;
            for (int run = 0; run < Math.Max(1, r.GetValue(runs)); run++)
            {
                var sw = Stopwatch.StartNew();
                forward(tokens);
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
                Console.Error.WriteLine($"forward {name} {b}x{l}: run {run + 1}: {b * l / sw.Elapsed.TotalSeconds:F1} tokens/s");
            }

            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "forward", engine = r.GetValue(engine), config = name, batch = b, length = l,
                tokens_per_s = Math.Round(b * l / best, 1), peak_rss_mb = PeakRss.Megabytes(), cpu = CpuModel.Name,
                linear_kernel = chosen.LinearKernel, amx = Matmul.AmxStatus,
            }));
            if (device is null) host.Dispose();
            return 0;
        }));
        return cmd;
    }
}
