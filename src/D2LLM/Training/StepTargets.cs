using D2LLM.Losses;

namespace D2LLM.Training;

/// <summary>
/// The pairs one D2LLM step scores and the teacher's side of its losses. Pairs: B·B in-batch (query i, positive j),
/// then B·(K+1) candidates (query i, its positive, then its K hard negatives); passages are numbered as the step
/// encodes them, the B positives first, then each query's K negatives. <see cref="InBatch"/> [B·B] and
/// <see cref="Candidates"/> [B·(K+1)] are the teacher's P(yes) of the same pairs, <see cref="TeacherCosines"/>
/// [B·(K+1)·(K+1)] the cosines between the teacher's features of each query's candidates.
/// </summary>
public sealed record StepTargets(BatchShape Shape, int[] Queries, int[] Passages, float[] InBatch, float[] Candidates, float[] TeacherCosines)
{
    /// <summary>The targets of a batch from the teacher's stored judgements (K hard negatives per query).</summary>
    public static StepTargets Of(TrainingExample[] batch, TeacherJudgements teacher, int k)
    {
        int b = batch.Length, n = k + 1;
        var (queries, passages) = Pairs(b, k);

        var inBatch = new float[b * b];
        var candidates = new float[b * n];
        var cosines = new float[b * n * n];
        for (int i = 0; i < b; i++)
        {
            string query = batch[i].Query;
            for (int j = 0; j < b; j++) inBatch[i * b + j] = (float)teacher[query, batch[j].Positive].Probability;
            var features = new float[n][];
            for (int c = 0; c < n; c++)
            {
                var s = teacher[query, c == 0 ? batch[i].Positive : batch[i].Negatives[c - 1]];
                candidates[i * n + c] = (float)s.Probability;
                features[c] = s.Feature!;
            }

            for (int c = 0; c < n; c++)
                for (int e = 0; e < n; e++) cosines[i * n * n + c * n + e] = Cosine(features[c], features[e]);
        }

        return new StepTargets(new BatchShape(b, k), queries, passages, inBatch, candidates, cosines);
    }

    /// <summary>The query and passage index of each pair the step scores, for B queries with K hard negatives each.</summary>
    public static (int[] Queries, int[] Passages) Pairs(int b, int k)
    {
        int n = k + 1;
        var queries = new int[b * b + b * n];
        var passages = new int[queries.Length];
        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < b; j++) (queries[i * b + j], passages[i * b + j]) = (i, j);
            for (int c = 0; c < n; c++) (queries[b * b + i * n + c], passages[b * b + i * n + c]) = (i, c == 0 ? i : b + i * k + c - 1);
        }

        return (queries, passages);
    }

    private static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return (float)(dot / Math.Sqrt(Math.Max(na * nb, 1e-24)));
    }
}
