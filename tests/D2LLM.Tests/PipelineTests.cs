using D2LLM.CrossEncoder;
using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Pipelines;
using D2LLM.Student;
using D2LLM.Teacher;
using D2LLM.Training;

namespace D2LLM.Tests;

/// <summary>The distillation recipes called as a library, bounded by steps (not wall-clock), on a small synthetic task.</summary>
public class PipelineTests
{
    private sealed class Recorder : IProgress<PipelineProgress>
    {
        public List<PipelineProgress> Events { get; } = new();
        public Action<PipelineProgress>? OnReport { get; init; }

        public void Report(PipelineProgress value)
        {
            Events.Add(value);
            OnReport?.Invoke(value);
        }
    }

    [Fact]
    public void StudentDistillation_TrainsTheStepsAsked_ReportsItsStages_AndResumesEveryStage()
    {
        using var teacherFolder = new FixtureModel("tiny-qwen2-a");
        using var backboneFolder = new FixtureModel("tiny-qwen3-a");
        using var teacherModel = Backbones.LoadDecoder(teacherFolder.Path);
        var teacher = new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-asym"));
        using var dir = new TempDirectory();
        var task = SyntheticTask.Write(dir.Path, 120);
        string outDir = dir.File("student");
        StudentDistillationOptions Options(int steps) => new()
        {
            Training = new DistillationOptions { BatchQueries = 4, HardNegatives = 3, MaxSteps = steps, WarmupSteps = 5, ValidateEvery = 10, CheckpointInterval = TimeSpan.FromHours(1) },
            Tuning = StudentTuning.Heads, EvalQueries = 8, Budget = TimeSpan.FromMinutes(30),
        };

        // Cancelled while the teacher judges: what it judged stays for the next run.
        using (var backbone = Backbones.LoadDecoder(backboneFolder.Path))
        using (var cancel = new CancellationTokenSource())
        {
            var stopper = new Recorder { OnReport = e => { if (e.Stage == "teacher judgements (pairs)" && e.Done > 20) cancel.Cancel(); } };
            Assert.Throws<OperationCanceledException>(() => StudentDistillation.Run(teacher, backbone, task, outDir, Options(30), stopper, cancel.Token));
        }

        StudentDistillationReport first;
        var recorder = new Recorder();
        using (var backbone = Backbones.LoadDecoder(backboneFolder.Path)) first = StudentDistillation.Run(teacher, backbone, task, outDir, Options(30), recorder);
        Assert.Equal((30, 30), (first.Steps, first.StepsThisRun));
        Assert.True(first.JudgementsStoredBefore > 0 && first.JudgementsScoredThisRun > 0, $"{first.JudgementsStoredBefore} stored, {first.JudgementsScoredThisRun} scored");
        Assert.Equal(first.JudgementsTotal, first.JudgementsStoredBefore + first.JudgementsScoredThisRun);
        Assert.Equal(8, first.EvalQueries);
        Assert.False(double.IsNaN(first.SpearmanVsTeacher));
        var judging = recorder.Events.Where(e => e.Stage == "teacher judgements (pairs)").ToList();
        Assert.Equal(judging[^1].Total, judging[^1].Done);
        Assert.Contains(recorder.Events, e => e.Message?.StartsWith("mined ", StringComparison.Ordinal) == true);

        using (var student = StudentModel.Load(outDir)) Assert.Equal(16, student.Embed(["a text"]).Length);

        // Run again with a higher step limit: nothing is judged again and training continues where it stopped.
        using (var backbone = Backbones.LoadDecoder(backboneFolder.Path))
        {
            var again = StudentDistillation.Run(teacher, backbone, task, outDir, Options(45));
            Assert.Equal((first.JudgementsTotal, 0), (again.JudgementsStoredBefore, again.JudgementsScoredThisRun));
            Assert.Equal((45, 15), (again.Steps, again.StepsThisRun));
        }
    }

    [Fact]
    public void CrossEncoderDistillation_TrainsBothStages_AndWritesAFolderThatScores()
    {
        using var teacherFolder = new FixtureModel("tiny-qwen2-a");
        using var backboneFolder = new FixtureModel("tiny-qwen3-a");
        using var teacherModel = Backbones.LoadDecoder(teacherFolder.Path);
        using var backbone = Backbones.LoadDecoder(backboneFolder.Path);
        using var dir = new TempDirectory();
        var options = new CrossEncoderDistillationOptions { Depth = 4, ListsPerStep = 2, StageSteps = 6, EvalQueries = 5, Budget = TimeSpan.FromMinutes(30) };
        var recorder = new Recorder();
        var report = CrossEncoderDistillation.Run(new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-asym")), backbone, SyntheticTask.Write(dir.Path, 120), dir.File("cross"), options, recorder);
        Assert.Equal(("full", 1e-3f, 5), (report.Tuning, report.LearningRate, report.EvalQueries));
        Assert.Equal(report.JudgementsTotal, report.JudgementsScoredThisRun);
        Assert.Contains(recorder.Events, e => e.Message?.StartsWith("stage1-labels: 6 steps (6 in this run)", StringComparison.Ordinal) == true);
        Assert.Contains(recorder.Events, e => e.Message?.StartsWith("stage2-teacher: 6 steps (6 in this run)", StringComparison.Ordinal) == true);
        using var model = CrossEncoderModel.Load(dir.File("cross"));
        Assert.Equal(2, model.Score("tell me about amber basil", ["amber and basil explained", "kelp alone"]).Length);
    }

    [Fact]
    public void TeacherFineTuning_CancelledThenRerun_FinishesItsEpochs_AndWritesAFolderThatDeclaresItsPrompt()
    {
        using var teacherFolder = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        var pairs = Enumerable.Range(0, 24).Select(i => new TextPair($"question {i}", i % 2 == 0 ? $"question {i} again" : $"other {i}", i % 2 == 0 ? 1 : 0)).ToList();
        var options = new TeacherTuningOptions { Mode = TeacherTuningMode.Lora, LoraRank = 2, BatchSize = 8, Epochs = 2, CheckpointEvery = 1 };
        var prompt = TeacherPrompt.Named("d2llm-en-sym");
        var declaration = new Dictionary<string, object?> { ["base_model"] = "tiny" };
        string outDir = dir.File("tuned");
        using (var model = Backbones.LoadDecoder(teacherFolder.Path))
        using (var cancel = new CancellationTokenSource())
        {
            var stopper = new Recorder { OnReport = e => { if (e.Stage == "fine-tuning (steps)" && e.Done == 3) cancel.Cancel(); } };
            Assert.Throws<OperationCanceledException>(() => TeacherFineTuning.Run(new TeacherModel(model, prompt), pairs, pairs, outDir, options, declaration, stopper, cancel.Token));
        }

        Assert.True(File.Exists(Path.Combine(outDir, TeacherFineTuning.StateFile)));
        using (var model = Backbones.LoadDecoder(teacherFolder.Path))
        {
            var report = TeacherFineTuning.Run(new TeacherModel(model, prompt), pairs, pairs, outDir, options, declaration);
            Assert.Equal((6, 3, true, 24), (report.Steps, report.StepsThisRun, report.Finished, report.EvalPairs));
            Assert.InRange(report.After!["accuracy@0.5"], 0, 1);
        }

        Assert.False(File.Exists(Path.Combine(outDir, TeacherFineTuning.StateFile)));
        Assert.Equal(prompt.Template.Text, TeacherPrompt.FromFolder(outDir)!.Template.Text);
        using var tuned = Backbones.LoadDecoder(outDir);
        Assert.Equal(6, System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, TeacherPrompt.FolderFile))).RootElement.GetProperty("steps").GetInt32());
    }

    [Fact]
    public void PairEvaluation_ReadsTheTaskFromTheLabels_AndScoresEachColumn()
    {
        var pairs = Enumerable.Range(0, 20).Select(i => new TextPair($"river stone {i}", i % 2 == 0 ? $"river stone {i}" : $"cloud paper {i}", i % 2 == 0 ? 1 : 0)).ToList();
        using var bm25 = new D2LLM.Evaluation.EvaluatedModel("bm25");
        var report = D2LLM.Evaluation.PairEvaluation.Run(pairs, "pairs", D2LLM.Evaluation.PairTask.Auto, bm25, teacher: null);
        Assert.Equal(("pair-classification", 20, "bm25"), (report.Task, report.Pairs, string.Join(",", report.Columns.Keys)));
        Assert.Equal(1.0, report.Columns["bm25"]["accuracy"], 6); // identical texts score above unrelated ones

        var graded = pairs.Select((p, i) => p with { Label = i % 5 }).ToList();
        Assert.Equal("sts", D2LLM.Evaluation.PairEvaluation.Run(graded, "graded", D2LLM.Evaluation.PairTask.Auto, bm25, teacher: null).Task);
        var typo = pairs.Concat(pairs).Select((p, i) => i == 3 ? p with { Label = 2 } : p).ToList(); // one stray label in 40
        Assert.Contains("labels are otherwise 0/1", Assert.Throws<InvalidDataException>(() => D2LLM.Evaluation.PairEvaluation.Run(typo, "typo.tsv", D2LLM.Evaluation.PairTask.Auto, bm25, teacher: null)).Message);
    }
}
