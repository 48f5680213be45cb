using System.CommandLine;
using D2LLM.SemanticKernel;
using D2LLM.Student;
using D2LLM.Data;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm search --store PATH|URL --model DIR --top K [--reranker DIR]</c>: {"query"} lines in, {"query", "hits":
/// [{"id", "score", "text"}]} lines out, through the library's retrieval pipeline. A plain model ranks by cosine; a
/// student retrieves --candidates by cosine and reranks them with its IEM over the stored vectors and the query vector
/// (one backbone pass per query), so the scores are IEM logits; --reranker takes another student or a cross-encoder
/// folder for that step.
/// </summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var store = new StoreOptions();
        var top = new Option<int>("--top") { Description = "hits per query", DefaultValueFactory = _ => 10 };
        var candidates = new Option<int>("--candidates") { Description = "candidates taken from the store for reranking", DefaultValueFactory = _ => 50 };
        var reranker = new Option<string?>("--reranker") { Description = "rerank with this student or cross-encoder folder (default: the --model student's IEM, if it is one)" };
        var input = CommonOptions.Input();
        var output = CommonOptions.Output();
        var cmd = new Command("search", "Search a store with queries from JSON Lines; hits as JSON Lines.") { top, candidates, reranker, input, output };
        store.AddTo(cmd);
        cmd.SetAction((r, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            using var generator = store.OpenEmbeddings(r);
            IReranker? rerank = r.GetValue(reranker) is { } dir ? D2Llm.OpenReranker(dir)
                : generator.GetService(typeof(StudentModel)) is StudentModel student ? new IemReranker(student) : null;
            using var ownedReranker = rerank as IDisposable;
            using var vectors = store.OpenStore(r, mustExist: true);
            using var lines = new JsonLines(r.GetValue(input), r.GetValue(output));
            string name = r.GetValue(store.Collection)!;
            if (!await vectors.CollectionExistsAsync(name, cancellationToken)) throw new InvalidDataException($"{r.GetValue(store.Store)}: no collection '{name}' (run index first)");
            var pipeline = MemoryPipeline.Open(vectors, name, generator, rerank, new RetrievalOptions<MemoryRecord> { Top = Math.Max(1, r.GetValue(top)), Candidates = r.GetValue(candidates) });
            foreach (var (line, json) in lines.Read())
            {
                string query = lines.RequireString(json, line, "query");
                if (query.Trim().Length == 0) throw new DataLineException(lines.Source, line, $"field \"query\" is empty");
                var hits = await pipeline.SearchAsync(query, cancellationToken: cancellationToken);
                lines.Write(new { query, hits = hits.Select(h => new { id = h.Record.Id, score = h.Score, text = h.Text }) });
            }

            lines.Complete();
            return 0;
        }));
        return cmd;
    }
}
