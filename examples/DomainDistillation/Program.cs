// From a folder of documents to a domain student and a report, through the library's D2LLM distillation pipeline
// (what `d2llm distill` runs): the local Qwen writes pseudo-queries for the passages, BM25 mines hard negatives, the
// teacher judges every pair the losses need, the D2LLM heads train on the frozen backbone's states, and agreement with
// the teacher is measured on held-out queries. Run: dotnet run --project examples/DomainDistillation TEACHER_DIR
// DOCS_FOLDER OUT_DIR (DOCS_FOLDER holds .txt/.md files; each paragraph is a passage). Without arguments it runs on
// the sample corpus with the repository's tiny random Qwen3 as teacher and backbone, which shows the stages but learns
// nothing useful.
using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Pipelines;
using D2LLM.Teacher;
using D2LLM.Training;

string samples = Path.Combine(AppContext.BaseDirectory, "../../../../../samples/quickstart");
string teacherDir = args.Length > 0 ? args[0] : Path.Combine(samples, "tiny-qwen");
using var teacherModel = Backbones.LoadDecoder(teacherDir, new ModelLoadOptions { RandomSeed = args.Length > 0 ? null : 7 });
string outDir = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "d2llm-domain-student");
var passages = args.Length > 1
    ? Directory.EnumerateFiles(args[1], "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".txt") || f.EndsWith(".md"))
        .SelectMany(f => File.ReadAllText(f).Split("\n\n")).Select(p => p.Trim()).Where(p => p.Length > 40).ToList()
    : File.ReadLines(Path.Combine(samples, "corpus.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToList();
string corpusFile = Path.Combine(Path.GetTempPath(), "d2llm-domain-corpus.jsonl");
File.WriteAllLines(corpusFile, passages.Select(p => System.Text.Json.JsonSerializer.Serialize(new { text = p })));
Console.WriteLine($"{passages.Count} passages");

var options = new StudentDistillationOptions
{
    Training = new DistillationOptions { HardNegatives = 3, BatchQueries = 4 },
    Tuning = StudentTuning.Heads,
    Budget = TimeSpan.FromMinutes(1),
    PseudoQueries = new PseudoQuerySettings(Passages: passages.Count, MinScore: args.Length > 0 ? 0.5 : 0),
};
var progress = new Progress<PipelineProgress>(p => { if (p.Message is not null) Console.WriteLine(p.Message); });
var report = StudentDistillation.Run(new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-asym")), teacherModel,
    RetrievalTask.FromCorpusFile(corpusFile), outDir, options, progress);
Console.WriteLine($"{report.Steps} steps; Spearman with the teacher on held-out queries: {report.SpearmanVsTeacherUntrained:F3} -> {report.SpearmanVsTeacher:F3}; student in {outDir}");
