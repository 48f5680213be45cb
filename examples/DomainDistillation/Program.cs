// From a folder of documents to a domain student and a report, with the library's stages (what `d2llm distill`
// runs): the local Qwen writes pseudo-queries for the passages, BM25 mines hard negatives, the teacher judges every
// pair the losses need, the D2LLM heads train on the frozen backbone's states, and agreement with the teacher is
// measured on held-out queries. Run: dotnet run --project examples/DomainDistillation TEACHER_DIR DOCS_FOLDER OUT_DIR
// (DOCS_FOLDER holds .txt/.md files; each paragraph is a passage). Without arguments it runs on the sample corpus with
// the repository's tiny random Qwen3 as teacher and backbone, which shows the stages but learns nothing useful.
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Mining;
using D2LLM.Models.Qwen;
using D2LLM.Student;
using D2LLM.Teacher;
using D2LLM.Training;

string samples = Path.Combine(AppContext.BaseDirectory, "../../../../../samples/quickstart");
var teacherModel = args.Length > 0 ? QwenModel.Load(args[0]) : QwenModel.Load(Path.Combine(samples, "tiny-qwen"), new QwenLoadOptions { RandomSeed = 7 });
string outDir = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "d2llm-domain-student");
var passages = args.Length > 1
    ? Directory.EnumerateFiles(args[1], "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".txt") || f.EndsWith(".md"))
        .SelectMany(f => File.ReadAllText(f).Split("\n\n")).Select(p => p.Trim()).Where(p => p.Length > 40).ToList()
    : File.ReadLines(Path.Combine(samples, "corpus.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToList();
Console.WriteLine($"{passages.Count} passages");

// 1. Queries: the teacher writes one per passage and keeps those it judges relevant to their own passage.
var judge = new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-asym"));
var written = new PseudoQueryGenerator(teacherModel, judge, new PseudoQueryOptions { MinTeacherScore = args.Length > 0 ? 0.5 : 0 }).Generate(passages);
var corpusFile = Path.Combine(Path.GetTempPath(), "d2llm-domain-corpus.jsonl");
File.WriteAllLines(corpusFile, passages.Select(p => System.Text.Json.JsonSerializer.Serialize(new { text = p })));
var task = RetrievalTask.FromCorpusFile(corpusFile).WithQueries(written.Select(w => (w.Query, w.Passage)));
Console.WriteLine($"{written.Count} pseudo-queries: {task.Train.Count} to train on, {task.Test.Count} held out");

// 2. Hard negatives and 3. teacher judgements for every pair the losses need.
var options = new DistillationOptions { HardNegatives = 3, BatchQueries = 4, Budget = TimeSpan.FromMinutes(1) };
var bm25 = new Bm25Candidates(task.Corpus);
var examples = CandidateMiner.Examples(task, bm25, options.HardNegatives);
var batches = StudentTrainer.Batches(examples, options.BatchQueries, options.Seed);
var evaluation = task.Test.Select(q => (q.Text, (IReadOnlyList<string>)bm25.Search(q.Text, 4).Select(h => task.Corpus[h.Doc]).ToList())).Where(e => e.Item2.Count == 4).ToList();
using var judgements = new TeacherJudgements();
judgements.Fill(judge, StudentTrainer.Plan(batches).Concat(evaluation));

// 4. Train the heads on the backbone's cached states, 5. report and save.
var states = new TokenStates(teacherModel, maxTokens: 250);
states.Add(batches.SelectMany(b => b.SelectMany(e => e.Negatives.Prepend(e.Positive).Prepend(e.Query))).Concat(evaluation.SelectMany(e => e.Item2.Prepend(e.Item1))).Distinct().ToList());
var heads = new StudentHeads(new HeadsOptions(teacherModel.HiddenSize, PmaHeads: 2, IemHidden: 64, Variant: PmaVariant.Standard));
double before = evaluation.Count > 0 ? TeacherAgreement.Spearman(heads, states, judgements, evaluation, options.Task) : double.NaN;
var history = new StudentTrainer(heads, states, judgements, options).Train(batches, batches.Take(1).ToList());
double after = evaluation.Count > 0 ? TeacherAgreement.Spearman(heads, states, judgements, evaluation, options.Task) : double.NaN;
StudentModel.Save(outDir, new StudentConfig
{
    Backbone = teacherModel.Directory!, Dim = teacherModel.HiddenSize, PmaHeads = 2, PmaVariant = "standard", IemHidden = 64,
}, heads);
Console.WriteLine($"{history.Count} steps; Spearman with the teacher on held-out queries: {before:F3} -> {after:F3}; student in {outDir}");
