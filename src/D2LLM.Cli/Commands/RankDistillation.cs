using System.Text.Json;
using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Pipelines;
using D2LLM.Teacher;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>distill --method rank-distillm</c>: loads the models and data the flags name, runs
/// <see cref="CrossEncoderDistillation"/> and writes its report (OUT/report.json and stdout).
/// </summary>
internal static class RankDistillation
{
    public static int Run(string teacherDir, TeacherPrompt prompt, string backboneDir, int? backboneLayers, string dataPath, string outDir, string? generatorDir,
        CrossEncoderDistillationOptions options)
    {
        using var teacherModel = Backbones.LoadDecoder(teacherDir);
        using var generator = generatorDir is null ? null : Backbones.LoadDecoder(generatorDir);
        options.PseudoQueries = options.PseudoQueries with { Generator = generator };
        using var backbone = Backbones.Load(backboneDir, new ModelLoadOptions { Layers = backboneLayers });
        var data = RetrievalTask.Load(dataPath);
        var result = PipelineDisplay.Run(progress => CrossEncoderDistillation.Run(new TeacherModel(teacherModel, prompt), backbone, data, outDir, options, progress));
        var report = new
        {
            method = "rank-distillm", tuning = result.Tuning, learning_rate = result.LearningRate, teacher = teacherDir, backbone = backboneDir, data = dataPath,
            loss = options.Loss.ToString(), depth = options.Depth, train_lists = result.TrainLists, eval_queries = result.EvalQueries,
            judgements_total = result.JudgementsTotal, judgements_stored_before = result.JudgementsStoredBefore, judgements_scored_this_run = result.JudgementsScoredThisRun,
            spearman_vs_teacher = result.SpearmanVsTeacher, spearman_vs_teacher_untrained = result.SpearmanVsTeacherUntrained,
            student_pairs_per_s = result.StudentPairsPerSecond, teacher_pairs_per_s = result.TeacherPairsPerSecond,
            speedup = result.StudentPairsPerSecond / result.TeacherPairsPerSecond, student_weights_mb = result.StudentWeightsMb, teacher_weights_mb = result.TeacherWeightsMb,
            weight_memory_ratio = result.TeacherWeightsMb / result.StudentWeightsMb, seconds = result.Seconds,
        };
        File.WriteAllText(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(JsonSerializer.Serialize(report));
        return 0;
    }
}
