using D2LLM.Data;
using D2LLM.Mining;
using D2LLM.Models.Qwen;
using D2LLM.Retrieval;
using D2LLM.Teacher;
using D2LLM.Training;

namespace D2LLM.Cli.Commands;

/// <summary>The stages both distillation methods run the same way: the miner, mining with progress, and the judged pairs.</summary>
internal static class DistillStages
{
    /// <summary>The first-stage retriever for mining: BM25, or the backbone's mean-pooled cosine over the whole corpus.</summary>
    public static ICandidateSource Miner(string kind, RetrievalTask task, QwenModel backbone)
    {
        switch (kind)
        {
            case "bm25":
                return new Bm25Candidates(task.Corpus);
            case "dense":
                DenseCandidates dense = null!;
                ProgressDisplay.Run("embedding the corpus for dense mining (texts)", report =>
                    dense = DenseCandidates.Build(new PooledEncoder(backbone, PoolingMode.Mean, maxTokens: DistillationOptions.TextTokens), task.Corpus, report));
                return dense;
            default:
                throw new ArgumentException($"--mining: unknown miner '{kind}' (bm25, dense)");
        }
    }

    /// <summary>Each training query with its positive and <paramref name="negatives"/> mined ones (see <see cref="CandidateMiner"/>).</summary>
    public static List<TrainingExample> Mine(RetrievalTask task, ICandidateSource miner, int negatives, int maxQueries, string title)
    {
        var examples = new List<TrainingExample>();
        ProgressDisplay.Run(title, report => examples = CandidateMiner.Examples(task, miner, negatives, maxQueries, report));
        return examples;
    }

    /// <summary>
    /// The teacher's judgements of every (query, passage) in the groups, kept in OUT/teacher-judgements.bin: what an
    /// earlier run stored is read back (<paramref name="storedBefore"/>), the rest is scored and appended.
    /// </summary>
    public static TeacherJudgements Judge(string outDir, TeacherModel judge, IEnumerable<(string Query, IReadOnlyList<string> Passages)> groups,
        Action<string> log, out int storedBefore)
    {
        Directory.CreateDirectory(outDir);
        var judgements = TeacherJudgements.Open(Path.Combine(outDir, "teacher-judgements.bin"), judge);
        storedBefore = judgements.Count;
        if (judgements.SkippedBytes > 0) log($"teacher-judgements.bin: dropped {judgements.SkippedBytes} damaged bytes; their pairs are judged again");
        if (storedBefore > 0) log($"resuming with {storedBefore} stored teacher judgements");
        ProgressDisplay.Run("teacher judgements (pairs)", report => judgements.Fill(judge, groups, report));
        log($"teacher judgements: {judgements.Count} pairs ({judgements.Scored} scored in this run)");
        return judgements;
    }
}
