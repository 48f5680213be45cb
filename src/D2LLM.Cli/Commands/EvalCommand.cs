using System.CommandLine;
using System.Text.Json;
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Mining;
using D2LLM.Models.Qwen;
using D2LLM.Student;
using D2LLM.Teacher;
using D2LLM.Tensors;
using Spectre.Console;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm eval --model bm25|DIR --data DIR [--split test] [--teacher DIR] [--output FILE.json]</c>: retrieval
/// metrics on a BEIR folder. BM25 retrieves; a student folder (IEM scores) or a plain model (cosine of pooled
/// states, --pooling) reranks BM25's top --depth; with --teacher, the teacher's reranking of the same candidates is
/// measured too, with spearman_vs_teacher (over each query's top 16) and ndcg@10_vs_teacher (teacher scores as
/// graded relevance of the top 16).
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "bm25, a student folder, or a plain model folder (with --pooling)", Required = true };
        var data = new Option<string>("--data") { Description = "BEIR folder", Required = true };
        var split = new Option<string>("--split") { Description = "qrels split", DefaultValueFactory = _ => "test" };
        var output = new Option<string?>("--output") { Description = "JSON file for the metrics" };
        var teacher = new Option<string?>("--teacher") { Description = "teacher folder: also evaluate its reranking and the agreement with it" };
        var prompt = new TeacherPromptOptions(defaultTemplate: "d2llm-zh-asym");
        var pooling = new Option<string>("--pooling") { Description = "last | mean, for a plain model", DefaultValueFactory = _ => "mean" };
        var depth = new Option<int>("--depth") { Description = "BM25 candidates reranked per query", DefaultValueFactory = _ => 100 };
        var cmd = new Command("eval", "Retrieval quality on a BEIR folder (nDCG@10, MRR@10, Recall@10/100, MAP), BM25 or reranking BM25's candidates.")
        {
            model, data, split, output, teacher, pooling, depth,
        };
        prompt.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var dataset = BeirDataset.Load(r.GetValue(data)!);
            var qrels = dataset.Qrels(r.GetValue(split)!);
            var index = new Bm25Index(dataset.Corpus.Select(d => d.Text).ToList());
            var lists = new Dictionary<string, (string Text, List<(int Doc, float Score)> Hits)>();
            foreach (var query in qrels.Keys)
            {
                if (!dataset.Queries.TryGetValue(query, out var text)) throw new InvalidDataException($"{dataset.Directory}: query '{query}' of the qrels is not in queries.jsonl");
                lists[query] = (text, index.Search(text, Math.Max(r.GetValue(depth), 1000)));
            }

            var columns = new Dictionary<string, Dictionary<string, double>>
            {
                ["bm25"] = RetrievalMetrics.Compute(qrels, lists.ToDictionary(e => e.Key, e => Run(dataset, e.Value.Hits))),
            };
            var result = new Dictionary<string, object> { ["split"] = r.GetValue(split)!, ["queries"] = qrels.Count };
            string name = r.GetValue(model)!;
            Func<string, List<string>, double[]>? scorer = null;
            StudentModel? student = null;
            QwenModel? plain = null;
            if (name != "bm25")
            {
                if (StudentConfig.IsStudentFolder(name))
                {
                    student = StudentModel.Load(name);
                    scorer = (q, docs) => student.Score(student.Embed(new[] { q }), student.Embed(docs)).Select(x => (double)x).ToArray();
                }
                else
                {
                    plain = QwenModel.Load(name);
                    var mode = r.GetValue(pooling) == "last" ? PoolingMode.Last : PoolingMode.Mean;
                    scorer = (q, docs) => Cosines(plain, mode, q, docs);
                }

                columns["model"] = Rerank(dataset, qrels, lists, r.GetValue(depth), scorer, "model");
            }

            if (r.GetValue(teacher) is { } teacherDir)
            {
                using var teacherModel = QwenModel.Load(teacherDir);
                var judge = new TeacherModel(teacherModel, prompt.Resolve(r));
                columns["teacher"] = Rerank(dataset, qrels, lists, r.GetValue(depth), (q, docs) =>
                    judge.ScoreCandidates(q, docs).Select(s => s.Probability).ToArray(), "teacher");
                if (scorer is not null) AddAgreement(result, dataset, lists, scorer, judge);
            }

            student?.Dispose();
            plain?.Dispose();
            foreach (var (key, value) in columns.TryGetValue("model", out var reranked) ? reranked : columns["bm25"]) result[key] = Math.Round(value, 5);
            result["model"] = name;
            result["columns"] = columns.ToDictionary(c => c.Key, c => c.Value.ToDictionary(e => e.Key, e => Math.Round(e.Value, 5)));
            var table = new Table().AddColumn("metric");
            foreach (var column in columns.Keys) table.AddColumn(new TableColumn(column).RightAligned());
            foreach (var metric in columns["bm25"].Keys)
                table.AddRow(new[] { metric }.Concat(columns.Values.Select(c => c[metric].ToString("F4", System.Globalization.CultureInfo.InvariantCulture))).ToArray());
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }).Write(table);
            string json = JsonSerializer.Serialize(result);
            if (r.GetValue(output) is { } path) File.WriteAllText(path, json);
            Console.WriteLine(json);
            return 0;
        }));
        return cmd;
    }

    private static IReadOnlyList<(string Doc, double Score)> Run(BeirDataset dataset, IEnumerable<(int Doc, float Score)> hits) =>
        hits.Select(h => (dataset.Corpus[h.Doc].Id, (double)h.Score)).ToList();

    /// <summary>Metrics of reranking each query's top <paramref name="depth"/> BM25 candidates with a scorer.</summary>
    private static Dictionary<string, double> Rerank(BeirDataset dataset, Dictionary<string, Dictionary<string, int>> qrels,
        Dictionary<string, (string Text, List<(int Doc, float Score)> Hits)> lists, int depth, Func<string, List<string>, double[]> scorer, string title)
    {
        var run = new Dictionary<string, IReadOnlyList<(string Doc, double Score)>>();
        ProgressDisplay.Run($"reranking with {title} (queries)", report =>
        {
            int done = 0;
            foreach (var (query, (text, hits)) in lists)
            {
                var top = hits.Take(depth).ToList();
                var scores = top.Count == 0 ? Array.Empty<double>() : scorer(text, top.Select(h => dataset.Corpus[h.Doc].Text).ToList());
                run[query] = top.Select((h, i) => (dataset.Corpus[h.Doc].Id, scores[i])).ToList();
                report(++done, lists.Count);
            }
        });
        return RetrievalMetrics.Compute(qrels, run);
    }

    /// <summary>spearman_vs_teacher over each query's top 16, and nDCG@10 against the teacher's scores as grades.</summary>
    private static void AddAgreement(Dictionary<string, object> result, BeirDataset dataset,
        Dictionary<string, (string Text, List<(int Doc, float Score)> Hits)> lists, Func<string, List<string>, double[]> scorer, TeacherModel judge)
    {
        var spearman = new List<double>();
        var graded = new Dictionary<string, Dictionary<string, int>>();
        var run = new Dictionary<string, IReadOnlyList<(string Doc, double Score)>>();
        foreach (var (query, (text, hits)) in lists)
        {
            var top = hits.Take(16).ToList();
            if (top.Count < 2) continue;
            var docs = top.Select(h => dataset.Corpus[h.Doc].Text).ToList();
            var student = scorer(text, docs);
            var teacher = judge.ScoreCandidates(text, docs).Select(s => s.Probability).ToArray();
            spearman.Add(Correlation.Spearman(student, teacher));
            // Teacher probabilities as graded relevance 0..10, the student's ranking judged against them.
            graded[query] = top.Select((h, i) => (dataset.Corpus[h.Doc].Id, (int)Math.Round(teacher[i] * 10))).ToDictionary(x => x.Item1, x => x.Item2);
            run[query] = top.Select((h, i) => (dataset.Corpus[h.Doc].Id, student[i])).ToList();
        }

        result["spearman_vs_teacher"] = Math.Round(spearman.Average(), 5);
        result["ndcg@10_vs_teacher"] = Math.Round(RetrievalMetrics.Compute(graded, run)["ndcg@10"], 5);
    }

    private static double[] Cosines(QwenModel model, PoolingMode mode, string query, List<string> docs)
    {
        var texts = docs.Prepend(query).Select(t => model.EncodeUntrusted(t, model.Config.MaxPositions)).ToList();
        var batch = TokenBatch.Pack(texts);
        var pooled = model.Pool(model.Forward(batch), batch, mode);
        int h = model.HiddenSize;
        var scores = new double[docs.Count];
        for (int i = 0; i < scores.Length; i++)
            scores[i] = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(pooled.AsSpan(0, h), pooled.AsSpan((i + 1) * h, h));
        return scores;
    }
}
