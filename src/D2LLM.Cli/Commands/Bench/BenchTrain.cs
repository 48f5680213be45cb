using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using D2LLM.Models;
using D2LLM.Models.Qwen;
using D2LLM.Tensors;
using D2LLM.Tensors.Gemm;
using D2LLM.Torch;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>
/// <c>d2llm bench train</c>: one training pass (forward keeping activations, backward of a random upstream gradient)
/// of a decoder of a published shape (random bf16 weights), with LoRA on every projection or full fine-tuning: tokens/s
/// and peak RSS, on this engine or on libtorch's CPU build.
/// </summary>
internal static class BenchTrain
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "published shape: qwen2.5-0.5b | qwen3-0.6b", DefaultValueFactory = _ => "qwen2.5-0.5b" };
        var batch = new Option<int>("--batch") { Description = "texts per pass", DefaultValueFactory = _ => 8 };
        var length = new Option<int>("--length") { Description = "tokens per text", DefaultValueFactory = _ => 128 };
        var runs = new Option<int>("--runs") { Description = "timed passes; the best is reported", DefaultValueFactory = _ => 3 };
        var tuning = new Option<string>("--tuning") { Description = "lora (rank 8 on every projection) | full (every layer tensor)", DefaultValueFactory = _ => "lora" };
        var engine = BenchEngine.Option();
        var cmd = new Command("train", "One forward + backward pass of a randomly initialised decoder of a published shape: tokens/s and peak RSS.")
        {
            config, batch, length, runs, tuning, engine,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            string name = r.GetValue(config)!;
            var shape = PublishedShapes.Get(name);
            bool full = FlagChoice.Parse("--tuning", "tuning", r.GetValue(tuning)!, ("lora", false), ("full", true));
            var chosen = BenchEngine.Parse(r.GetValue(engine)!);
            Console.Error.WriteLine($"train {name}: drawing random bf16 weights ...");
            var host = (QwenModel)Backbones.RandomDecoder(shape, seed: 1, kernels: chosen.Kernels);
            using IBackbone model = chosen.Torch is { } dtype ? TorchDecoder.From(host, new TorchOptions { Device = "cpu", DType = dtype }) : host;
            if (full) model.MakeTrainable();
            else model.AddLora(new LoraOptions { Rank = 8, Alpha = 8, Dropout = 0 }, seed: 3);

            int b = r.GetValue(batch), l = r.GetValue(length);
            var rng = new Random(7);
            var tokens = TokenBatch.Pack(Enumerable.Range(0, b).Select(_ => Enumerable.Range(0, l).Select(_ => rng.Next(shape.VocabSize)).ToArray()).ToList());
            var upstream = Tensor.Wrap(Enumerable.Range(0, tokens.Tokens * shape.HiddenSize).Select(_ => (float)(rng.NextDouble() - 0.5) * 1e-3f).ToArray(),
                tokens.Tokens, shape.HiddenSize);
            void Step()
            {
                var pass = new BackbonePass(tokens);
                model.Forward(tokens, pass);
                model.Backward(pass, upstream);
            }

            Step();
            double best = double.MaxValue;
            for (int run = 0; run < Math.Max(1, r.GetValue(runs)); run++)
            {
                var sw = Stopwatch.StartNew();
                Step();
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
                Console.Error.WriteLine($"train {name} {b}x{l}: pass {run + 1}: {b * l / sw.Elapsed.TotalSeconds:F1} tokens/s, peak RSS {PeakRss.Megabytes()} MB");
            }

            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "train", engine = r.GetValue(engine), tuning = r.GetValue(tuning), config = name, batch = b, length = l,
                tokens_per_s = Math.Round(b * l / best, 1), peak_rss_mb = PeakRss.Megabytes(), cpu = CpuModel.Name,
                linear_kernel = chosen.LinearKernel, amx = Matmul.AmxStatus,
            }));
            return 0;
        }));
        return cmd;
    }
}
