using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using D2LLM.Storage.Embedded;
using Microsoft.Extensions.VectorData;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>
/// <c>d2llm bench search --count 100000 --dim 896</c>: exact top-k search in the embedded store over random unit
/// vectors — upsert rate, load time after reopening, then queries/s one query at a time and in batches (one scan
/// of the vectors serves a whole batch).
/// </summary>
internal static class BenchSearch
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "stored vectors", DefaultValueFactory = _ => 100_000 };
        var dim = new Option<int>("--dim") { Description = "dimensions", DefaultValueFactory = _ => 896 };
        var queries = new Option<int>("--queries") { Description = "timed queries", DefaultValueFactory = _ => 200 };
        var top = new Option<int>("--top") { Description = "hits per query", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "queries per scan in the batched run", DefaultValueFactory = _ => 32 };
        var cmd = new Command("search", "Exact top-k search in the embedded store: upserts/s, load time, queries/s single and batched.") { count, dim, queries, top, batch };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            int n = r.GetValue(count), d = r.GetValue(dim), q = r.GetValue(queries), k = r.GetValue(top);
            string path = Path.Combine(Path.GetTempPath(), $"d2llm-bench-{Guid.NewGuid():N}.db");
            var rng = new Random(1);
            float[] Vector() => Enumerable.Range(0, d).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var definition = new VectorStoreCollectionDefinition
            {
                Properties = new List<VectorStoreProperty> { new VectorStoreKeyProperty("Key", typeof(long)), new VectorStoreVectorProperty("Vector", typeof(float[]), d) },
            };
            try
            {
                var clock = Stopwatch.StartNew();
                using (var store = new EmbeddedVectorStore(path))
                {
                    var collection = store.GetDynamicCollection("bench", definition);
                    collection.EnsureCollectionExistsAsync().GetAwaiter().GetResult();
                    ProgressDisplay.Run("upserting (vectors)", report =>
                    {
                        for (int start = 0; start < n; start += 5000)
                        {
                            var records = Enumerable.Range(start, Math.Min(5000, n - start))
                                .Select(i => new Dictionary<string, object?> { ["Key"] = (long)i, ["Vector"] = Vector() }).ToList();
                            collection.UpsertAsync(records).GetAwaiter().GetResult();
                            report(start + records.Count, n);
                        }
                    });
                }

                double upsertSeconds = clock.Elapsed.TotalSeconds;
                using var reopened = new EmbeddedVectorStore(path);
                var bench = reopened.GetDynamicCollection("bench", definition);
                clock.Restart();
                bench.GetAsync(new object[] { 0L }).ToListAsync().AsTask().GetAwaiter().GetResult(); // loads the collection into memory
                double loadSeconds = clock.Elapsed.TotalSeconds;
                var queryVectors = Enumerable.Range(0, q).Select(_ => new ReadOnlyMemory<float>(Vector())).ToList();
                bench.SearchAsync(queryVectors[0], k).ToListAsync().AsTask().GetAwaiter().GetResult(); // warm-up
                clock.Restart();
                foreach (var v in queryVectors) bench.SearchAsync(v, k).ToListAsync().AsTask().GetAwaiter().GetResult();
                double single = q / clock.Elapsed.TotalSeconds;
                clock.Restart();
                foreach (var group in queryVectors.Chunk(Math.Max(1, r.GetValue(batch)))) bench.SearchBatchAsync(group, k).GetAwaiter().GetResult();
                double batched = q / clock.Elapsed.TotalSeconds;
                Console.Error.WriteLine($"{n} × {d}: upsert {n / upsertSeconds:F0} vectors/s, load {loadSeconds:F1} s, {single:F1} queries/s single, {batched:F1} batched");
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    benchmark = "search", count = n, dim = d, top = k, queries = q, batch = r.GetValue(batch),
                    upserts_per_s = Math.Round(n / upsertSeconds), load_s = Math.Round(loadSeconds, 2),
                    queries_per_s = Math.Round(single, 1), queries_per_s_batched = Math.Round(batched, 1),
                    file_mb = Math.Round(new FileInfo(path).Length / 1048576.0), threads = Environment.ProcessorCount, cpu = CpuModel.Name,
                }));
            }
            finally
            {
                foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
            }

            return 0;
        }));
        return cmd;
    }
}
