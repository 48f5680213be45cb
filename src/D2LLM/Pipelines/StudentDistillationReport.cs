namespace D2LLM.Pipelines;

/// <summary>
/// What a D2LLM distillation did: data sizes, judgements (stored before, scored now), steps (in all, and in this run),
/// and Spearman agreement with the teacher on held-out queries for the trained student, the untrained heads and the
/// backbone's mean-pooled cosine.
/// </summary>
public sealed record StudentDistillationReport(
    string Task,
    string Template,
    int TrainExamples,
    int EvalQueries,
    int JudgementsTotal,
    int JudgementsStoredBefore,
    int JudgementsScoredThisRun,
    int Steps,
    int StepsThisRun,
    double FinalLoss,
    double SpearmanVsTeacher,
    double SpearmanVsTeacherUntrained,
    double SpearmanVsTeacherBackboneMeanCosine,
    double Seconds);
