namespace D2LLM.Evaluation;

/// <summary>
/// Retrieval metrics per column ("bm25", "dense", "model", "teacher": nDCG@10, MRR@10, Recall@10/100, MAP), the number
/// of queries, and with a teacher the model's agreement with it (Spearman over each query's top 16, and nDCG@10 with
/// the teacher's scores as grades).
/// </summary>
public sealed record RetrievalEvaluationReport(
    int Queries,
    IReadOnlyDictionary<string, Dictionary<string, double>> Columns,
    double? SpearmanVsTeacher,
    double? NdcgVsTeacher);
