using D2LLM.Data;
using D2LLM.Mining;
using D2LLM.Pipelines;
using D2LLM.Retrieval;
using D2LLM.Teacher;

namespace D2LLM.Evaluation;

/// <summary>
/// Evaluation on a BEIR folder. The first stage is BM25 or (dense) exact cosine search over the
/// model's embeddings of the whole corpus (column "dense"). The model (IEM logits for a student, cosine for a plain
/// model) and the teacher rerank each query's top <c>depth</c> first-stage candidates (columns "model", "teacher");
/// the agreement with the teacher is measured over the top 16.
/// </summary>
public static class RetrievalEvaluation
{
    private const int AgreementDepth = 16;

    /// <param name="dataset">the BEIR folder</param>
    /// <param name="split">its qrels split</param>
    /// <param name="dense">retrieve by the model's embeddings instead of BM25</param>
    /// <param name="depth">first-stage candidates reranked per query</param>
    /// <param name="model">the model under evaluation</param>
    /// <param name="teacher">a teacher to rerank with and to agree with, or null</param>
    /// <param name="progress">stage counts</param>
    public static RetrievalEvaluationReport Run(BeirDataset dataset, string split, bool dense, int depth, EvaluatedModel model, TeacherModel? teacher,
        IProgress<PipelineProgress>? progress = null)
    {
        var qrels = dataset.Qrels(split);
        foreach (var query in qrels.Keys)
            if (!dataset.Queries.ContainsKey(query)) throw new InvalidDataException($"{dataset.Directory}: query '{query}' of qrels/{split}.tsv is not in queries.jsonl");
        var texts = dataset.Corpus.Select(d => d.Text).ToList();
        var bm25 = new Bm25Candidates(texts);
        int retrieved = Math.Max(depth, 100);
        var bm25Lists = qrels.Keys.ToDictionary(q => q, q => bm25.Search(dataset.Queries[q], retrieved));
        var columns = new Dictionary<string, Dictionary<string, double>> { ["bm25"] = RetrievalMetrics.Compute(qrels, Ids(dataset, bm25Lists)) };

        var candidates = bm25Lists;
        if (dense)
        {
            var encoder = model.Encoder ?? throw new ArgumentException("a dense first stage needs a model with embeddings (a student or a plain model folder)", nameof(dense));
            var index = DenseIndex.Build(encoder, texts, progress: PipelineStages.Counter(progress, "embedding the corpus (documents)"));
            candidates = qrels.Keys.ToDictionary(q => q, q => index.Search(encoder.EmbedQueries(new[] { dataset.Queries[q] }), retrieved));
            columns["dense"] = RetrievalMetrics.Compute(qrels, Ids(dataset, candidates));
        }

        Func<string, IReadOnlyList<string>, double[]>? rerank = model.IsBm25 || (dense && model.Encoder is PooledEncoder) ? null : model.Rerank;
        if (rerank is not null) columns["model"] = Rerank(dataset, qrels, candidates, depth, rerank, "model", progress);
        double? spearman = null, ndcg = null;
        if (teacher is not null)
        {
            double[] Judge(string q, IReadOnlyList<string> docs) => teacher.ScoreCandidates(q, docs).Select(s => s.Probability).ToArray();
            columns["teacher"] = Rerank(dataset, qrels, candidates, depth, Judge, "teacher", progress);
            if (!model.IsBm25) (spearman, ndcg) = Agreement(dataset, candidates, rerank ?? model.Rerank, Judge);
        }

        return new RetrievalEvaluationReport(qrels.Count, columns, spearman, ndcg);
    }

    private static Dictionary<string, IReadOnlyList<(string Doc, double Score)>> Ids(BeirDataset dataset, Dictionary<string, List<(int Doc, float Score)>> lists) =>
        lists.ToDictionary(e => e.Key, e => (IReadOnlyList<(string, double)>)e.Value.Select(h => (dataset.Corpus[h.Doc].Id, (double)h.Score)).ToList());

    /// <summary>Metrics of reranking each query's top <paramref name="depth"/> candidates with a scorer.</summary>
    private static Dictionary<string, double> Rerank(BeirDataset dataset, Dictionary<string, Dictionary<string, int>> qrels,
        Dictionary<string, List<(int Doc, float Score)>> lists, int depth, Func<string, IReadOnlyList<string>, double[]> scorer, string title, IProgress<PipelineProgress>? progress)
    {
        var run = new Dictionary<string, IReadOnlyList<(string Doc, double Score)>>();
        var report = PipelineStages.Counter(progress, $"reranking with the {title} (queries)");
        foreach (var (query, hits) in lists)
        {
            var top = hits.Take(depth).ToList();
            var scores = top.Count == 0 ? Array.Empty<double>() : scorer(dataset.Queries[query], top.Select(h => dataset.Corpus[h.Doc].Text).ToList());
            run[query] = top.Select((h, i) => (dataset.Corpus[h.Doc].Id, scores[i])).ToList();
            report?.Invoke(run.Count, lists.Count);
        }

        return RetrievalMetrics.Compute(qrels, run);
    }

    /// <summary>spearman_vs_teacher over each query's top 16, and nDCG@10 against the teacher's scores as grades.</summary>
    private static (double Spearman, double Ndcg) Agreement(BeirDataset dataset, Dictionary<string, List<(int Doc, float Score)>> lists,
        Func<string, IReadOnlyList<string>, double[]> scorer, Func<string, IReadOnlyList<string>, double[]> judge)
    {
        var spearman = new List<double>();
        var graded = new Dictionary<string, Dictionary<string, int>>();
        var run = new Dictionary<string, IReadOnlyList<(string Doc, double Score)>>();
        foreach (var (query, hits) in lists)
        {
            var top = hits.Take(AgreementDepth).ToList();
            if (top.Count < 2) continue;
            var docs = top.Select(h => dataset.Corpus[h.Doc].Text).ToList();
            var student = scorer(dataset.Queries[query], docs);
            var teacher = judge(dataset.Queries[query], docs);
            spearman.Add(Correlation.Spearman(student, teacher));
            // Teacher probabilities as graded relevance 0..10, the student's ranking judged against them.
            graded[query] = top.Select((h, i) => (dataset.Corpus[h.Doc].Id, (int)Math.Round(teacher[i] * 10))).ToDictionary(x => x.Item1, x => x.Item2);
            run[query] = top.Select((h, i) => (dataset.Corpus[h.Doc].Id, student[i])).ToList();
        }

        return (spearman.DefaultIfEmpty(double.NaN).Average(), RetrievalMetrics.Compute(graded, run)["ndcg@10"]);
    }
}
