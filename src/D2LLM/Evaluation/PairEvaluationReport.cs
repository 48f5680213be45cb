namespace D2LLM.Evaluation;

/// <summary>The task the labels were read as ("pair-classification" or "sts"), the number of pairs, and the metrics per column ("bm25", "model", "teacher").</summary>
public sealed record PairEvaluationReport(string Task, int Pairs, IReadOnlyDictionary<string, Dictionary<string, double>> Columns);
