namespace D2LLM.Pipelines;

/// <summary>
/// What a teacher fine-tuning did: pairs, steps (in all, and in this run; whether every epoch ran), the mean loss of
/// its first and last 20 steps in this run, and the classification metrics on the evaluation pairs before and after
/// (accuracy at 0.5, best-threshold accuracy, average precision; null without evaluation pairs).
/// </summary>
public sealed record TeacherFineTuningReport(
    int Pairs,
    int Steps,
    int StepsThisRun,
    bool Finished,
    double FirstLoss,
    double LastLoss,
    int? EvalPairs,
    IReadOnlyDictionary<string, double>? Before,
    IReadOnlyDictionary<string, double>? After,
    double Seconds);
