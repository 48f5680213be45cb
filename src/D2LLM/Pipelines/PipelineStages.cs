using D2LLM.Data;
using D2LLM.Mining;
using D2LLM.Models;
using D2LLM.Retrieval;
using D2LLM.Teacher;
using D2LLM.Training;

namespace D2LLM.Pipelines;

/// <summary>The stages both distillation methods run the same way: the miner, mining, and the judged pairs kept in the output folder.</summary>
public static class PipelineStages
{
    /// <summary>The file in an output folder that keeps the teacher's judgements.</summary>
    public const string JudgementsFile = "teacher-judgements.bin";

    /// <summary>The first-stage retriever for mining: BM25, or the backbone's mean-pooled cosine over the whole corpus.</summary>
    public static ICandidateSource Miner(MiningKind kind, RetrievalTask task, IBackbone backbone, IProgress<PipelineProgress>? progress) => kind switch
    {
        MiningKind.Bm25 => new Bm25Candidates(task.Corpus),
        _ => DenseCandidates.Build(new PooledEncoder(backbone, PoolingMode.Mean, maxTokens: DistillationOptions.TextTokens), task.Corpus,
            Counter(progress, "embedding the corpus for dense mining (texts)")),
    };

    /// <summary>Each training query with its positive and <paramref name="negatives"/> mined ones (see <see cref="CandidateMiner"/>).</summary>
    public static List<TrainingExample> Mine(RetrievalTask task, ICandidateSource miner, int negatives, int maxQueries, IProgress<PipelineProgress>? progress) =>
        CandidateMiner.Examples(task, miner, negatives, maxQueries, Counter(progress, $"mining {negatives} candidates (queries)"));

    /// <summary>
    /// The teacher's judgements of every (query, passage) in the groups, kept in OUT/teacher-judgements.bin: what an
    /// earlier run stored is read back (<paramref name="storedBefore"/>), the rest is scored and appended.
    /// </summary>
    public static TeacherJudgements Judge(string outDir, TeacherModel judge, IEnumerable<(string Query, IReadOnlyList<string> Passages)> groups,
        IProgress<PipelineProgress>? progress, CancellationToken cancellationToken, out int storedBefore)
    {
        Directory.CreateDirectory(outDir);
        var judgements = TeacherJudgements.Open(Path.Combine(outDir, JudgementsFile), judge);
        try
        {
            storedBefore = judgements.Count;
            if (judgements.SkippedBytes > 0) progress?.Report(PipelineProgress.Log($"{JudgementsFile}: dropped {judgements.SkippedBytes} damaged bytes; their pairs are judged again"));
            if (storedBefore > 0) progress?.Report(PipelineProgress.Log($"resuming with {storedBefore} stored teacher judgements"));
            judgements.Fill(judge, groups, Counter(progress, "teacher judgements (pairs)"), cancellationToken);
            progress?.Report(PipelineProgress.Log($"teacher judgements: {judgements.Count} pairs ({judgements.Scored} scored in this run)"));
            return judgements;
        }
        catch
        {
            judgements.Dispose();
            throw;
        }
    }

    /// <summary>A (done, total) callback that reports a stage's count.</summary>
    public static Action<int, int>? Counter(IProgress<PipelineProgress>? progress, string stage) =>
        progress is null ? null : (done, total) => progress.Report(new PipelineProgress(stage, done, total));
}
