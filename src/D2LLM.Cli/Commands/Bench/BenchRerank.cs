using System.CommandLine;
using System.Text.Json;
using D2LLM.Models;
using D2LLM.Models.Tokenization;
using D2LLM.SemanticKernel;
using D2LLM.Storage.Embedded;
using D2LLM.Student;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>
/// <c>d2llm bench rerank --config qwen2.5-0.5b --candidates 100</c>: the whole search path per query, as the library
/// runs it, for a student of a published shape (random weights, the real tokenizer; the cost is the same), over an
/// embedded store of stored vectors: the query's backbone pass alone; the search without reranking (query embedding,
/// top 10 from the store); the reranked search (query embedding, the candidates with their stored vectors from the store,
/// the IEM over them). The three are timed interleaved, query by query, and reported as medians (this VM's noise is
/// spiky); the backbone passes the reranked path makes are counted, and the time each path spends beyond them is
/// measured inside the same call. The first <c>--warmup</c> rounds are not timed: .NET's tiered JIT recompiles a method
/// with full optimisation only after some 30 calls, which is what a serving process runs (timing from the second round
/// measured the reranker's unoptimised first tier: 1.9 ms instead of 1.2). Next to them, a teacher of the same shape scoring the same number of candidates as prompts (one forward pass
/// over all of them).
/// </summary>
internal static class BenchRerank
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "student backbone shape: qwen2.5-0.5b | qwen3-0.6b", DefaultValueFactory = _ => "qwen2.5-0.5b" };
        var candidates = new Option<int>("--candidates") { Description = "candidates the reranker scores per query", DefaultValueFactory = _ => 100 };
        var documents = new Option<int>("--documents") { Description = "stored documents", DefaultValueFactory = _ => 10_000 };
        var queries = new Option<int>("--queries") { Description = "timed queries", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "untimed rounds first, so that the runtime has recompiled the path with full optimisation (tiered JIT)", DefaultValueFactory = _ => 40 };
        var teacher = new Option<string>("--teacher-config") { Description = "teacher shape: qwen2.5-0.5b | qwen3-0.6b | none", DefaultValueFactory = _ => "qwen2.5-0.5b" };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "teacher prompt length per candidate", DefaultValueFactory = _ => 96 };
        var cmd = new Command("rerank", "The reranked search path (query embedding, candidate fetch, IEM) next to the unreranked path, a backbone pass, and a teacher.")
            { config, candidates, documents, queries, warmup, teacher, promptTokens };
        cmd.SetAction((r, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            int n = r.GetValue(candidates), q = r.GetValue(queries), w = Math.Max(1, r.GetValue(warmup));
            var tokenizer = ByteLevelBpeTokenizer.Load(Path.Combine(RepositoryFolder.Locate("samples/quickstart/tiny-qwen", "a checkout of the repository"), "tokenizer.json"));
            var shape = PublishedShapes.Get(r.GetValue(config)!);
            Console.Error.WriteLine($"building a random {r.GetValue(config)} student...");
            var studentConfig = new StudentConfig { Backbone = r.GetValue(config)!, Dim = shape.HiddenSize, PmaHeads = 8, PmaVariant = "standard", IemHidden = 512 };
            using var student = StudentModel.Assemble(studentConfig, Backbones.RandomDecoder(shape, seed: 1, tokenizer), new StudentHeads(studentConfig.HeadsOptions()));
            var counting = new CountingEmbeddingGenerator(D2Llm.FromStudent(student));
            string path = Path.Combine(Path.GetTempPath(), $"d2llm-bench-{Guid.NewGuid():N}.db");
            try
            {
                using var store = new EmbeddedVectorStore(path);
                var plain = MemoryPipeline.Open(store, "bench", counting, options: new RetrievalOptions<MemoryRecord> { Top = 10 });
                var reranker = new TimedReranker(new IemReranker(student));
                var reranked = MemoryPipeline.Open(store, "bench", counting, reranker, new RetrievalOptions<MemoryRecord> { Top = 10, Candidates = n });
                await Fill(plain, r.GetValue(documents), shape.HiddenSize, cancellationToken);
                var texts = Enumerable.Range(0, q + w).Select(i => $"what causes the failure of component {i} under a heavy load").ToList();
                var t = await RerankTimings.Measure(counting, plain, reranked, reranker, texts, w, cancellationToken);
                Console.Error.WriteLine($"per query (medians of {q}): backbone pass {t.Backbone:F1} ms; search {t.Search:F1} ms ({t.SearchBeyond:F2} ms beyond "
                    + $"embedding the query); reranked search over {n} candidates {t.Reranked:F1} ms ({t.PassesPerQuery:F1} backbone passes, {t.RerankedBeyond:F2} ms beyond them, of which the reranker {t.Reranker:F2} ms)");
                double? teacherMs = r.GetValue(teacher) is var shapeName && shapeName != "none" ? TeacherTiming.Milliseconds(PublishedShapes.Get(shapeName!), n, r.GetValue(promptTokens)) : null;
                if (teacherMs is { } ms) Console.Error.WriteLine($"teacher ({shapeName}, {n} prompts of {r.GetValue(promptTokens)} tokens): {ms:F0} ms per query");
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    benchmark = "rerank", config = r.GetValue(config), dim = shape.HiddenSize, documents = r.GetValue(documents), candidates = n, queries = q,
                    backbone_ms = Math.Round(t.Backbone, 2), search_ms = Math.Round(t.Search, 2), reranked_search_ms = Math.Round(t.Reranked, 2),
                    search_beyond_embedding_ms = Math.Round(t.SearchBeyond, 3), reranked_beyond_embedding_ms = Math.Round(t.RerankedBeyond, 3),
                    reranking_adds_ms = Math.Round(t.RerankedBeyond - t.SearchBeyond, 3), reranker_ms = Math.Round(t.Reranker, 3), backbone_passes_per_query = t.PassesPerQuery,
                    teacher = shapeName, teacher_ms = teacherMs is null ? (double?)null : Math.Round(teacherMs.Value, 1),
                    speedup_vs_teacher = teacherMs is null ? (double?)null : Math.Round(teacherMs.Value / t.Reranked, 1), threads = Environment.ProcessorCount, cpu = CpuModel.Name,
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

    /// <summary>Stored documents with random unit vectors (embedding thousands of texts through the backbone would time the backbone, not the path).</summary>
    private static async Task Fill(RetrievalPipeline<Guid, MemoryRecord> pipeline, int count, int dimensions, CancellationToken cancellationToken)
    {
        await pipeline.Collection.EnsureCollectionExistsAsync(cancellationToken);
        var rng = new Random(1);
        for (int start = 0; start < count; start += 2000)
        {
            var records = Enumerable.Range(start, Math.Min(2000, count - start)).Select(i =>
            {
                var v = Enumerable.Range(0, dimensions).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                return new MemoryRecord { Key = MemoryRecord.KeyOf($"doc-{i}"), Id = $"doc-{i}", Text = $"document {i}", Embedding = v };
            }).ToList();
            await pipeline.Collection.UpsertAsync(records, cancellationToken);
        }
    }
}
