using System.CommandLine;
using System.Text.Json;
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Mining;
using Spectre.Console;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm eval --model bm25 --data DIR [--split test] [--output FILE.json]</c>: retrieval metrics on a BEIR
/// folder, as JSON and a table. (Dense models, students and teacher agreement are not wired here yet.)
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "bm25 (students and plain models: not yet)", Required = true };
        var data = new Option<string>("--data") { Description = "BEIR folder", Required = true };
        var split = new Option<string>("--split") { Description = "qrels split", DefaultValueFactory = _ => "test" };
        var output = new Option<string?>("--output") { Description = "JSON file for the metrics" };
        var k1 = new Option<double>("--k1") { Description = "BM25 k1", DefaultValueFactory = _ => 0.9 };
        var b = new Option<double>("--b") { Description = "BM25 b", DefaultValueFactory = _ => 0.4 };
        var cmd = new Command("eval", "Retrieval quality on a BEIR folder: nDCG@10, MRR@10, Recall@10/100, MAP.") { model, data, split, output, k1, b };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            if (r.GetValue(model) != "bm25") throw new ArgumentException($"--model: only 'bm25' is evaluated so far, got '{r.GetValue(model)}'");
            var dataset = BeirDataset.Load(r.GetValue(data)!);
            var qrels = dataset.Qrels(r.GetValue(split)!);
            var index = new Bm25Index(dataset.Corpus.Select(d => d.Text).ToList(), r.GetValue(k1), r.GetValue(b));
            var run = new Dictionary<string, IReadOnlyList<(string Doc, double Score)>>();
            foreach (var query in qrels.Keys)
            {
                if (!dataset.Queries.TryGetValue(query, out var text)) throw new InvalidDataException($"{dataset.Directory}: query '{query}' of the qrels is not in queries.jsonl");
                run[query] = index.Search(text, 1000).Select(h => (dataset.Corpus[h.Doc].Id, (double)h.Score)).ToList();
            }

            var metrics = RetrievalMetrics.Compute(qrels, run);
            var table = new Table().AddColumn("metric").AddColumn(new TableColumn("bm25").RightAligned());
            foreach (var (name, value) in metrics) table.AddRow(name, value.ToString("F4", System.Globalization.CultureInfo.InvariantCulture));
            AnsiConsole.Console.Profile.Out = new AnsiConsoleOutput(Console.Error);
            AnsiConsole.Write(table);
            string json = JsonSerializer.Serialize(new Dictionary<string, object>(metrics.Select(m => new KeyValuePair<string, object>(m.Key, Math.Round(m.Value, 5))))
            {
                ["model"] = "bm25", ["split"] = r.GetValue(split)!, ["queries"] = qrels.Count,
            });
            if (r.GetValue(output) is { } path) File.WriteAllText(path, json);
            Console.WriteLine(json);
            return 0;
        }));
        return cmd;
    }
}
