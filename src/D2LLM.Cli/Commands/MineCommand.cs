using System.CommandLine;
using D2LLM.Data;
using D2LLM.Mining;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm mine --data DIR|FILE [--split train] [--top K] [--dense MODEL] [--output FILE]</c>: first-stage candidates
/// for each judged query (BM25, or dense with a student or a plain model), known positives removed, one JSON line
/// per query in task order (deterministic), for running the distillation stages separately.
/// </summary>
internal static class MineCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "a BEIR folder, a triplet file or a pair file", Required = true };
        var split = new Option<string>("--split") { Description = "train | test: whose queries are mined", DefaultValueFactory = _ => "train" };
        var top = new Option<int>("--top") { Description = "candidates per query", DefaultValueFactory = _ => 100 };
        var k1 = new Option<double>("--k1") { Description = "BM25 k1", DefaultValueFactory = _ => 0.9 };
        var b = new Option<double>("--b") { Description = "BM25 b", DefaultValueFactory = _ => 0.4 };
        var dense = new Option<string?>("--dense") { Description = "mine densely with this student or plain model folder instead of BM25" };
        var pooling = new Option<string?>("--pooling") { Description = "last | mean | cls, for a plain --dense model (default: what its folder declares, else mean)" };
        var output = CommonOptions.Output();
        var cmd = new Command("mine", "Hard-negative candidates per judged query (BM25 or dense; positives removed), as JSON Lines.") { data, split, top, k1, b, dense, pooling, output };
        var device = new DeviceOption();
        device.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var task = RetrievalTask.Load(r.GetValue(data)!);
            var queries = FlagChoice.Parse("--split", "split", r.GetValue(split)!, ("train", task.Train), ("test", task.Test));
            using var encoder = r.GetValue(dense) is { } dir ? ModelFolder.OpenEncoder(dir, FlagChoice.Pooling(r.GetValue(pooling)), (d, o) => device.Load(r, d, o)) : null;
            ICandidateSource source = new Bm25Candidates(task.Corpus, r.GetValue(k1), r.GetValue(b));
            if (encoder is not null) ProgressDisplay.Run("embedding the corpus (texts)", report => source = DenseCandidates.Build(encoder, task.Corpus, report));

            using var lines = new JsonLines(null, r.GetValue(output));
            ProgressDisplay.Run("mine (queries)", report =>
            {
                int done = 0;
                foreach (var query in queries)
                {
                    var hits = source.Search(query.Text, r.GetValue(top), query.Positives.ToHashSet());
                    lines.Write(new
                    {
                        query_id = query.Id, query = query.Text, positives = query.Positives.Order().Select(p => task.CorpusIds[p]),
                        candidates = hits.Select(h => new { id = task.CorpusIds[h.Doc], score = h.Score }),
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
