namespace D2LLM.Pipelines;

/// <summary>
/// What a Rank-DistiLLM distillation did: its tuning and learning rate, data sizes, judgements, agreement with the
/// teacher before and after training, and the student's speed and weight memory next to the teacher's.
/// </summary>
public sealed record CrossEncoderDistillationReport(
    string Tuning,
    float LearningRate,
    int TrainLists,
    int EvalQueries,
    int JudgementsTotal,
    int JudgementsStoredBefore,
    int JudgementsScoredThisRun,
    double SpearmanVsTeacher,
    double SpearmanVsTeacherUntrained,
    double StudentPairsPerSecond,
    double TeacherPairsPerSecond,
    double StudentWeightsMb,
    double TeacherWeightsMb,
    double Seconds);
