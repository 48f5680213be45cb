using D2LLM.Data;
using D2LLM.Training;

namespace D2LLM.Mining;

/// <summary>
/// Turns a retrieval task into training examples and evaluation lists with a first-stage retriever: each training
/// query gets its first relevant document as the positive and K hard negatives — the ones its data names first,
/// then the retriever's top hits with every known positive removed. Queries that cannot fill K are skipped.
/// Deterministic: queries in task order, retrievers break ties by document order.
/// </summary>
public static class CandidateMiner
{
    public static List<TrainingExample> Examples(RetrievalTask task, ICandidateSource source, int hardNegatives, int maxQueries = int.MaxValue, Action<int, int>? progress = null)
    {
        var examples = new List<TrainingExample>();
        var queries = task.Train.Where(q => q.Positives.Count > 0).Take(maxQueries).ToList();
        int done = 0;
        foreach (var q in queries)
        {
            var negatives = q.GivenNegatives.Where(n => !q.Positives.Contains(n)).Take(hardNegatives).ToList();
            if (negatives.Count < hardNegatives)
            {
                var exclude = q.Positives.Concat(negatives).ToHashSet();
                negatives.AddRange(source.Search(q.Text, hardNegatives - negatives.Count, exclude).Select(h => h.Doc));
            }

            if (negatives.Count == hardNegatives)
                examples.Add(new TrainingExample(q.Text, task.Corpus[q.Positives.Min()], negatives.Select(n => task.Corpus[n]).ToList()));
            progress?.Invoke(++done, queries.Count);
        }

        return examples;
    }

    /// <summary>Held-out queries with their top <paramref name="depth"/> candidates (positives kept: they are what is ranked).</summary>
    public static List<(string Query, List<string> Candidates)> Evaluation(RetrievalTask task, ICandidateSource source, int depth, int maxQueries) =>
        task.Test.Take(maxQueries)
            .Select(q => (q.Text, source.Search(q.Text, depth).Select(h => task.Corpus[h.Doc]).ToList()))
            .Where(e => e.Item2.Count >= depth).ToList();
}
