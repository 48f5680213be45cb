using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using D2LLM.Tensors;
using D2LLM.Tensors.Gemm;

namespace D2LLM.Cli.Commands.Bench;

/// <summary><c>d2llm bench gemm</c>: the engine's matrix product in GFLOP/s, best of several runs.</summary>
internal static class BenchGemm
{
    public static Command Create()
    {
        var m = new Option<int>("--m") { Description = "rows of A and C", DefaultValueFactory = _ => 2048 };
        var n = new Option<int>("--n") { Description = "columns of B and C", DefaultValueFactory = _ => 2048 };
        var k = new Option<int>("--k") { Description = "inner dimension", DefaultValueFactory = _ => 2048 };
        var dtype = new Option<string>("--dtype") { Description = "storage type of B: f32, bf16 or f16", DefaultValueFactory = _ => "f32" };
        var transB = new Option<bool>("--trans-b") { Description = "B stored as n×k (a linear layer's weight)" };
        var runs = new Option<int>("--runs") { Description = "timed runs; the best is reported", DefaultValueFactory = _ => 5 };
        var kernel = new Option<string>("--kernel")
        {
            Description = "micro-kernel: auto (the widest float32 one), avx512, avx2, scalar, avx512-bf16 or amx-bf16 (bf16 products need K even, B transposed or as stored)",
            DefaultValueFactory = _ => "auto",
        };
        var cmd = new Command("gemm", "float32 C = A·B (B optionally bf16/f16), best of several runs, in GFLOP/s.")
        {
            m, n, k, dtype, transB, runs, kernel,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            int mm = r.GetValue(m), nn = r.GetValue(n), kk = r.GetValue(k);
            bool tb = r.GetValue(transB);
            var chosen = FlagChoice.Parse("--kernel", "GEMM kernel", r.GetValue(kernel)!, ("auto", Matmul.BestKernel), ("avx512", GemmKernel.Avx512),
                ("avx2", GemmKernel.Avx2), ("scalar", GemmKernel.Scalar), ("avx512-bf16", GemmKernel.Avx512Bf16), ("amx-bf16", GemmKernel.AmxBf16));
            if (!Matmul.IsSupported(chosen))
                throw new ArgumentException(chosen == GemmKernel.AmxBf16 ? $"--kernel amx-bf16: {Matmul.AmxStatus}" : $"--kernel: this CPU cannot run {chosen}");
            string dt = r.GetValue(dtype)!.ToLowerInvariant();
            double seconds = dt switch
            {
                "f32" => TimeGemm<float>(chosen, mm, nn, kk, tb, r.GetValue(runs), x => x),
                "bf16" => TimeGemm(chosen, mm, nn, kk, tb, r.GetValue(runs), BFloat16.FromSingle),
                "f16" => TimeGemm(chosen, mm, nn, kk, tb, r.GetValue(runs), x => (Half)x),
                _ => throw new ArgumentException($"--dtype: unknown dtype '{dt}' (f32, bf16, f16)"),
            };
            double gflops = 2.0 * mm * nn * kk / seconds / 1e9;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "gemm", m = mm, n = nn, k = kk, dtype = dt, trans_b = tb,
                kernel = chosen.ToString().ToLowerInvariant(), threads = Environment.ProcessorCount, cpu = CpuModel.Name,
                gflops = Math.Round(gflops, 1),
            }));
            return 0;
        }));
        return cmd;
    }

    private static double TimeGemm<TB>(GemmKernel kernel, int m, int n, int k, bool transB, int runs, Func<float, TB> convert)
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
        do Matmul.Multiply(kernel, false, transB, m, n, k, 1f, a, k, b, ldb, 0f, c, n);
        while (warmup.Elapsed.TotalSeconds < 0.5);
        double best = double.MaxValue;
        for (int run = 0; run < Math.Max(1, runs); run++)
        {
            var sw = Stopwatch.StartNew();
            Matmul.Multiply(kernel, false, transB, m, n, k, 1f, a, k, b, ldb, 0f, c, n);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            Console.Error.WriteLine($"gemm {m}x{n}x{k}: run {run + 1}/{runs} {2.0 * m * n * k / sw.Elapsed.TotalSeconds / 1e9:F1} GFLOP/s");
        }

        return best;
    }
}
