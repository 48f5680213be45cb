using System.CommandLine;
using D2LLM.Data;
using D2LLM.Mining;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm mine --data DIR [--split train] [--top K] [--output FILE]</c>: BM25 candidates for each judged query,
/// known positives removed, one JSON line per query in query-id order (deterministic), for running stages separately.
/// </summary>
internal static class MineCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "BEIR folder", Required = true };
        var split = new Option<string>("--split") { Description = "qrels split whose queries are mined", DefaultValueFactory = _ => "train" };
        var top = new Option<int>("--top") { Description = "candidates per query", DefaultValueFactory = _ => 100 };
        var k1 = new Option<double>("--k1") { Description = "BM25 k1", DefaultValueFactory = _ => 0.9 };
        var b = new Option<double>("--b") { Description = "BM25 b", DefaultValueFactory = _ => 0.4 };
        var output = CommonOptions.Output();
        var cmd = new Command("mine", "BM25 hard-negative candidates per judged query (positives removed), as JSON Lines.") { data, split, top, k1, b, output };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var dataset = BeirDataset.Load(r.GetValue(data)!);
            var qrels = dataset.Qrels(r.GetValue(split)!);
            var index = new Bm25Index(dataset.Corpus.Select(d => d.Text).ToList(), r.GetValue(k1), r.GetValue(b));
            using var lines = new JsonLines(null, r.GetValue(output));
            var queries = qrels.Keys.Where(dataset.Queries.ContainsKey).OrderBy(q => q, StringComparer.Ordinal).ToList();
            ProgressDisplay.Run("mine (queries)", report =>
            {
                int done = 0;
                foreach (var query in queries)
                {
                    var positives = qrels[query].Where(j => j.Value > 0).Select(j => j.Key).ToList();
                    var exclude = positives.Where(dataset.CorpusIndex.ContainsKey).Select(id => dataset.CorpusIndex[id]).ToHashSet();
                    var hits = index.Search(dataset.Queries[query], r.GetValue(top), exclude);
                    lines.Write(new
                    {
                        query_id = query, query = dataset.Queries[query], positives,
                        candidates = hits.Select(h => new { id = dataset.Corpus[h.Doc].Id, score = h.Score }),
                    });
                    report(++done, queries.Count);
                }
            });
            lines.Complete();
            return 0;
        }));
        return cmd;
    }
}
