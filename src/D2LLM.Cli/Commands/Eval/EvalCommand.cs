using System.CommandLine;
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Teacher;

namespace D2LLM.Cli.Commands.Eval;

/// <summary>
/// <c>d2llm eval --model bm25|DIR --data DIR|FILE [--split test] [--teacher DIR] [--output FILE.json]</c>: on a BEIR
/// folder, retrieval metrics (nDCG@10, MRR@10, Recall@10/100, MAP) of BM25, the model reranking the first stage (or
/// retrieving densely), and the teacher, with agreement figures; on a pair file, STS correlations or
/// pair-classification accuracy and AP. A readable table goes to stderr, the JSON to stdout and --output.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "bm25, a student folder, or a plain model folder (with --pooling)", Required = true };
        var data = new Option<string>("--data") { Description = "a BEIR folder, or a pair file (.tsv, .tsv.gz, .jsonl)", Required = true };
        var split = new Option<string>("--split") { Description = "qrels split (BEIR), or the split column's value in a pair file that has one", DefaultValueFactory = _ => "test" };
        var output = new Option<string?>("--output") { Description = "JSON file for the metrics" };
        var teacher = new Option<string?>("--teacher") { Description = "teacher folder: also evaluate its reranking and the agreement with it" };
        var prompt = new TeacherPromptOptions(defaultTemplate: "d2llm-zh-asym");
        var pooling = new Option<string?>("--pooling") { Description = "last | mean | cls, for a plain model (default: what its folder declares, else mean)" };
        var depth = new Option<int>("--depth") { Description = "first-stage candidates reranked per query", DefaultValueFactory = _ => 100 };
        var firstStage = new Option<string>("--first-stage") { Description = "bm25 | dense (exact cosine search over the model's embeddings of the corpus)", DefaultValueFactory = _ => "bm25" };
        var limit = new Option<int>("--limit") { Description = "evaluate at most this many pairs (pair files)", DefaultValueFactory = _ => int.MaxValue };
        var task = new Option<string>("--pair-task")
        {
            Description = "pair files: auto (0/1 labels: classification, else graded similarity; a few stray labels are refused) | classification | sts",
            DefaultValueFactory = _ => "auto",
        };
        var cmd = new Command("eval", """
            Measure a model on a BEIR folder (nDCG@10, MRR@10, Recall@10/100, MAP: BM25, the model reranking BM25's top
            --depth or retrieving densely with --first-stage dense, and the teacher reranking) or on a pair file (STS:
            Spearman/Pearson; 0/1 labels: accuracy and average precision at the best threshold).
            """)
        {
            model, data, split, output, teacher, pooling, depth, firstStage, limit, task,
        };
        prompt.AddTo(cmd);
        var device = new DeviceOption();
        device.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            string dataPath = r.GetValue(data)!;
            var result = new Dictionary<string, object> { ["split"] = r.GetValue(split)!, ["model"] = r.GetValue(model)! };
            using var evaluated = new EvaluatedModel(r.GetValue(model)!, FlagChoice.Pooling(r.GetValue(pooling)), (d, o) => device.Load(r, d, o));
            string? teacherDir = r.GetValue(teacher);
            using var teacherModel = teacherDir is null ? null : device.LoadDecoder(r, teacherDir);
            var judge = teacherModel is null ? null : new TeacherModel(teacherModel, prompt.Resolve(r, teacherDir!));
            IReadOnlyDictionary<string, Dictionary<string, double>> columns;
            if (Directory.Exists(dataPath))
            {
                bool dense = FlagChoice.Parse("--first-stage", "stage", r.GetValue(firstStage)!, ("bm25", false), ("dense", true));
                if (dense && evaluated.IsBm25) throw new ArgumentException("--first-stage dense needs a neural --model (a student or a plain model folder), not bm25");
                var report = PipelineDisplay.Run(progress => RetrievalEvaluation.Run(BeirDataset.Load(dataPath), r.GetValue(split)!, dense, r.GetValue(depth), evaluated, judge, progress));
                result["queries"] = report.Queries;
                if (report.SpearmanVsTeacher is { } spearman) result["spearman_vs_teacher"] = Math.Round(spearman, 5);
                if (report.NdcgVsTeacher is { } ndcg) result["ndcg@10_vs_teacher"] = Math.Round(ndcg, 5);
                columns = report.Columns;
            }
            else if (PairFile.Recognises(dataPath))
            {
                var pairs = PairFile.Read(dataPath, r.GetValue(split)!).Take(r.GetValue(limit)).ToList();
                var pairTask = r.GetValue(task) == "auto" ? Detected(pairs, dataPath)
                    : FlagChoice.Parse("--pair-task", "task", r.GetValue(task)!, ("classification", PairTask.Classification), ("sts", PairTask.Sts));
                var report = PipelineDisplay.Run(progress => PairEvaluation.Run(pairs, dataPath, pairTask, evaluated, judge, progress));
                result["task"] = report.Task;
                result["pairs"] = report.Pairs;
                columns = report.Columns;
            }
            else
            {
                throw new FileNotFoundException($"{dataPath}: neither a BEIR folder nor a pair file (.tsv, .tsv.gz, .jsonl)");
            }

            EvalOutput.Print(result, columns, r.GetValue(output));
            return 0;
        }));
        return cmd;
    }

    /// <summary>The library's task detection, its advice spoken in this command's flag.</summary>
    private static PairTask Detected(List<TextPair> pairs, string path)
    {
        try
        {
            return PairFile.IsClassification(pairs, path) ? PairTask.Classification : PairTask.Sts;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message}: --pair-task classification or --pair-task sts", e);
        }
    }
}
