using System.CommandLine;
using D2LLM.Storage;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm search --store PATH|URL --model DIR --top K</c>: {"query"} lines in, {"query", "hits": [{"id", "score",
/// "text"}]} lines out. A plain model ranks by cosine; a student retrieves --candidates by cosine and reranks them with
/// its IEM over the stored vectors (no backbone pass for the documents), so the scores are IEM logits.
/// </summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var store = new StoreOptions();
        var top = new Option<int>("--top") { Description = "hits per query", DefaultValueFactory = _ => 10 };
        var candidates = new Option<int>("--candidates") { Description = "student: cosine candidates reranked by the IEM", DefaultValueFactory = _ => 50 };
        var input = CommonOptions.Input();
        var output = CommonOptions.Output();
        var cmd = new Command("search", "Search a store with queries from JSON Lines; hits as JSON Lines.") { top, candidates, input, output };
        store.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var (encoder, student, owner) = store.OpenModel(r);
            using (owner)
            using (var vectors = store.OpenStore(r))
            using (var lines = new JsonLines(r.GetValue(input), r.GetValue(output)))
            {
                var collection = vectors.GetCollection(r.GetValue(store.Collection)!, new CollectionOptions(encoder.Dimensions));
                if (!collection.ExistsAsync().GetAwaiter().GetResult()) throw new InvalidDataException($"{r.GetValue(store.Store)}: no collection '{collection.Name}' (run index first)");
                int k = Math.Max(1, r.GetValue(top));
                foreach (var (line, json) in lines.Read())
                {
                    string query = lines.RequireString(json, line, "query");
                    if (query.Length == 0) throw new InvalidDataException($"{lines.Source}:{line}: field \"query\" is empty");
                    var vector = encoder.Embed(new[] { query });
                    var options = new VectorSearchOptions { Top = student is null ? k : Math.Max(k, r.GetValue(candidates)), IncludeVectors = student is not null };
                    var hits = collection.SearchAsync(vector, options).GetAwaiter().GetResult();
                    var ranked = student is null
                        ? hits.Select(h => (h.Record, h.Score))
                        : hits.Zip(student.Score(vector, hits.SelectMany(h => h.Record.Vector!).ToArray()), (h, s) => (h.Record, Score: (double)s))
                            .OrderByDescending(x => x.Score);
                    lines.Write(new
                    {
                        query,
                        hits = ranked.Take(k).Select(x => new { id = x.Record.Metadata.TryGetValue("id", out var id) ? id?.ToString() : x.Record.Key.ToString(), score = x.Score, text = x.Record.Text }),
                    });
                }

                lines.Complete();
            }

            return 0;
        }));
        return cmd;
    }
}
