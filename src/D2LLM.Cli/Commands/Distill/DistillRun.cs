using System.CommandLine;
using System.Text.Json;
using D2LLM.Data;
using D2LLM.Pipelines;
using D2LLM.Student;
using D2LLM.Teacher;

namespace D2LLM.Cli.Commands.Distill;

/// <summary>
/// What <c>distill</c> runs once its flags are read: loads the data and the models they name, runs the method's
/// pipeline (<see cref="StudentDistillation"/> for d2llm, <see cref="CrossEncoderDistillation"/> for rank-distillm)
/// and writes its report to OUT/report.json (indented) and stdout (one line).
/// </summary>
internal static class DistillRun
{
    public static int Run(DistillFlags flags, ParseResult r)
    {
        bool rankDistillm = FlagChoice.Parse("--method", "method", r.GetValue(flags.Method)!, ("d2llm", false), ("rank-distillm", true));
        string outDir = r.GetValue(flags.Output)!;
        var data = RetrievalTask.Load(r.GetValue(flags.Data)!);
        var studentOptions = rankDistillm ? null : flags.StudentOptions(r, data);
        // A symmetric task is judged with the symmetric prompt unless the flags or the teacher folder name one.
        var prompt = flags.Prompt.Resolve(r, r.GetValue(flags.Teacher)!, studentOptions?.Training.Task == IemTask.Symmetric ? "d2llm-zh-sym" : null);
        using var models = DistillModels.Load(flags, r);
        var judge = new TeacherModel(models.Teacher, prompt);
        object report = studentOptions is null ? CrossEncoder(flags, r, judge, models, data, outDir) : Student(flags, r, judge, models, data, outDir, studentOptions);
        File.WriteAllText(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(JsonSerializer.Serialize(report));
        return 0;
    }

    private static object Student(DistillFlags flags, ParseResult r, TeacherModel judge, DistillModels models, RetrievalTask data, string outDir, StudentDistillationOptions options)
    {
        options.PseudoQueries = new PseudoQuerySettings(r.GetValue(flags.PseudoPassages), r.GetValue(flags.PseudoMinScore), models.Generator);
        var result = PipelineDisplay.Run(progress => StudentDistillation.Run(judge, models.Backbone, data, outDir, options, progress));
        return new
        {
            method = "d2llm", mode = r.GetValue(flags.Mode), task = result.Task, template = result.Template, teacher = r.GetValue(flags.Teacher), backbone = r.GetValue(flags.Backbone),
            data = r.GetValue(flags.Data), train_examples = result.TrainExamples, steps = result.Steps, steps_this_run = result.StepsThisRun,
            eval_queries = result.EvalQueries, mining = r.GetValue(flags.Mining), judgements_total = result.JudgementsTotal,
            judgements_stored_before = result.JudgementsStoredBefore, judgements_scored_this_run = result.JudgementsScoredThisRun,
            spearman_vs_teacher = result.SpearmanVsTeacher, spearman_vs_teacher_untrained = result.SpearmanVsTeacherUntrained,
            spearman_vs_teacher_backbone_mean_cosine = result.SpearmanVsTeacherBackboneMeanCosine, final_loss = result.FinalLoss, seconds = result.Seconds,
        };
    }

    private static object CrossEncoder(DistillFlags flags, ParseResult r, TeacherModel judge, DistillModels models, RetrievalTask data, string outDir)
    {
        var options = flags.CrossEncoderOptions(r);
        options.PseudoQueries = options.PseudoQueries with { Generator = models.Generator };
        var result = PipelineDisplay.Run(progress => CrossEncoderDistillation.Run(judge, models.Backbone, data, outDir, options, progress));
        return new
        {
            method = "rank-distillm", tuning = result.Tuning, learning_rate = result.LearningRate, teacher = r.GetValue(flags.Teacher), backbone = r.GetValue(flags.Backbone), data = r.GetValue(flags.Data),
            loss = options.Loss.ToString(), depth = options.Depth, train_lists = result.TrainLists, eval_queries = result.EvalQueries,
            judgements_total = result.JudgementsTotal, judgements_stored_before = result.JudgementsStoredBefore, judgements_scored_this_run = result.JudgementsScoredThisRun,
            spearman_vs_teacher = result.SpearmanVsTeacher, spearman_vs_teacher_untrained = result.SpearmanVsTeacherUntrained,
            student_pairs_per_s = result.StudentPairsPerSecond, teacher_pairs_per_s = result.TeacherPairsPerSecond,
            speedup = result.StudentPairsPerSecond / result.TeacherPairsPerSecond, student_weights_mb = result.StudentWeightsMb, teacher_weights_mb = result.TeacherWeightsMb,
            weight_memory_ratio = result.TeacherWeightsMb / result.StudentWeightsMb, seconds = result.Seconds,
        };
    }
}
