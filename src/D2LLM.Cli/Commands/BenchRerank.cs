using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using D2LLM.Models.Qwen;
using D2LLM.Student;
using D2LLM.Tensors;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm bench rerank --dim 896 --candidates 100</c>: the IEM reranking N stored candidate vectors for one query
/// (what the retrieval pipeline does per query: no backbone pass for the documents), next to a teacher of a published
/// shape scoring the same number of candidates as prompts (one forward pass over all of them; random weights, the
/// cost is the same).
/// </summary>
internal static class BenchRerank
{
    public static Command Create()
    {
        var dim = new Option<int>("--dim") { Description = "student embedding size", DefaultValueFactory = _ => 896 };
        var candidates = new Option<int>("--candidates") { Description = "stored candidates per query", DefaultValueFactory = _ => 100 };
        var queries = new Option<int>("--queries") { Description = "timed queries for the IEM", DefaultValueFactory = _ => 500 };
        var teacher = new Option<string>("--teacher-config") { Description = "teacher shape: qwen2.5-0.5b | qwen3-0.6b | none", DefaultValueFactory = _ => "qwen2.5-0.5b" };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "teacher prompt length per candidate", DefaultValueFactory = _ => 96 };
        var cmd = new Command("rerank", "IEM reranking of stored candidate vectors per query, next to a teacher scoring the same candidates.") { dim, candidates, queries, teacher, promptTokens };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            int d = r.GetValue(dim), n = r.GetValue(candidates), q = r.GetValue(queries);
            var heads = new StudentHeads(new HeadsOptions(d, PmaHeads: 8, IemHidden: 512, Variant: PmaVariant.Standard));
            var rng = new Random(1);
            float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var passages = Tensor.Wrap(Random(n * d), n, d);
            var queryVectors = Enumerable.Range(0, q).Select(_ => Tensor.Wrap(Random(d), 1, d)).ToList();
            var rows = Enumerable.Range(0, n).ToArray();
            var zeros = new int[n];
            heads.Iem.Forward(queryVectors[0], passages, zeros, rows, IemTask.Asymmetric); // warm-up
            var clock = Stopwatch.StartNew();
            foreach (var query in queryVectors) heads.Iem.Forward(query, passages, zeros, rows, IemTask.Asymmetric);
            double iemMs = clock.Elapsed.TotalMilliseconds / q;
            Console.Error.WriteLine($"IEM: {iemMs:F3} ms per query over {n} stored {d}-d candidates");

            double? teacherMs = null;
            if (r.GetValue(teacher) is var shapeName && shapeName != "none")
            {
                var shape = PublishedShapes.Get(shapeName!);
                using var model = QwenModel.FromWeights(shape, QwenWeights.Random(shape, seed: 1));
                var prompts = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, r.GetValue(promptTokens)).Select(_ => rng.Next(1000, 100000)).ToArray()).ToList();
                clock.Restart();
                var batch = TokenBatch.Pack(prompts);
                model.LastLogits(model.Forward(batch), batch, new[] { 9693, 2152 });
                teacherMs = clock.Elapsed.TotalMilliseconds;
                Console.Error.WriteLine($"teacher ({shapeName}, {n} prompts of {r.GetValue(promptTokens)} tokens): {teacherMs:F0} ms per query");
            }

            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "rerank", dim = d, candidates = n, queries = q, iem_ms_per_query = Math.Round(iemMs, 3),
                teacher = r.GetValue(teacher), teacher_ms_per_query = teacherMs is null ? (double?)null : Math.Round(teacherMs.Value, 1),
                speedup = teacherMs is null ? (double?)null : Math.Round(teacherMs.Value / iemMs), threads = Environment.ProcessorCount,
            }));
            return 0;
        }));
        return cmd;
    }
}
