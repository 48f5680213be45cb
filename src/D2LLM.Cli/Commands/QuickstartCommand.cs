using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using D2LLM.Models;
using D2LLM.SemanticKernel;
using D2LLM.Storage.Embedded;
using Spectre.Console;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm quickstart [--model DIR]</c>: the README's main job. Indexes the bundled sample corpus
/// (samples/quickstart) into the embedded store through the library's own pipeline — embedding generator, vector
/// store, reranker when the model is a student — and answers the sample queries with scores. Without --model it runs
/// every stage on a tiny randomly initialised Qwen3 and says so: its rankings carry no meaning.
/// </summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "a Qwen model folder or a student folder (default: a tiny random Qwen3, to show the stages)" };
        var store = new Option<string?>("--store") { Description = "embedded store file (default: .d2llm/quickstart.db in the repository)" };
        var samples = new Option<string?>("--samples") { Description = "folder with corpus.jsonl and queries.jsonl (default: samples/quickstart)" };
        var top = new Option<int>("--top") { Description = "answers per query", DefaultValueFactory = _ => 3 };
        var cmd = new Command("quickstart", "Index the bundled sample corpus into the embedded store and answer sample queries, end to end.") { model, store, samples, top };
        cmd.SetAction((r, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var clock = Stopwatch.StartNew();
            string dir = r.GetValue(samples) ?? RepositoryFolder.Locate("samples/quickstart", "--samples DIR");
            string storePath = r.GetValue(store) ?? Path.Combine(Path.GetDirectoryName(dir)!, "..", ".d2llm", "quickstart.db");
            // Plain text when piped (no colour codes, wide enough not to wrap the tables).
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(Console.Out),
                Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
                ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            });
            if (Console.IsOutputRedirected) console.Profile.Width = 160;
            D2LlmEmbeddingGenerator generator;
            IReranker? reranker = null;
            if (r.GetValue(model) is { } modelDir)
            {
                if (ModelFolder.KindOf(modelDir) is ModelFolderKind.Student)
                {
                    var student = Student.StudentModel.Load(modelDir); // one copy for embedding and reranking
                    generator = D2Llm.FromStudent(student, ownsModel: true);
                    reranker = new IemReranker(student);
                }
                else
                {
                    generator = D2Llm.OpenEmbeddingGenerator(modelDir);
                }

                console.MarkupLine($"[green]model[/]: {Markup.Escape(modelDir)}{(reranker is null ? " (mean-pooled hidden states, cosine)" : " (student: PMA embeddings, IEM reranking)")}");
            }
            else
            {
                generator = D2Llm.FromModel(Backbones.Load(Path.Combine(dir, "tiny-qwen"), new ModelLoadOptions { RandomSeed = 7 }));
                console.MarkupLine("[yellow]No --model given: using a tiny randomly initialised Qwen3 (2 layers, 16 dimensions) so that every stage runs.[/]");
                console.MarkupLine("[yellow]Its weights are random, so the rankings below mean nothing. Run ./d2llm quickstart --model DIR with a real Qwen or a student.[/]");
            }

            using (generator)
            using (var vectors = new EmbeddedVectorStore(storePath))
            {
                await vectors.EnsureCollectionDeletedAsync("quickstart", cancellationToken); // a fresh index for this model
                var pipeline = MemoryPipeline.Open(vectors, "quickstart", generator, reranker, new RetrievalOptions<MemoryRecord> { Top = r.GetValue(top), Candidates = 20 });
                var documents = ReadLines(Path.Combine(dir, "corpus.jsonl"))
                    .Select(e => (Id: e.GetProperty("id").GetString()!, Text: e.GetProperty("text").GetString()!)).ToList();
                foreach (var d in documents) await pipeline.SaveAsync(d.Text, d.Id, cancellationToken);
                console.MarkupLine($"[green]indexed[/] {documents.Count} documents into {Markup.Escape(Path.GetFullPath(storePath))} (collection 'quickstart')");

                foreach (var query in ReadLines(Path.Combine(dir, "queries.jsonl")).Select(e => e.GetProperty("query").GetString()!))
                {
                    var hits = await pipeline.SearchAsync(query, cancellationToken: cancellationToken);
                    var table = new Table().Title(Markup.Escape(query)).AddColumn("#").AddColumn("score").AddColumn("id").AddColumn("text");
                    foreach (var (hit, i) in hits.Select((h, i) => (h, i)))
                        table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), hit.Score.ToString("F4", CultureInfo.InvariantCulture), hit.Record.Id, Markup.Escape(hit.Text.Length > 90 ? hit.Text[..90] + "…" : hit.Text));
                    console.Write(table);
                }
            }

            console.MarkupLine($"[green]done[/] in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        }));
        return cmd;
    }

    private static IEnumerable<System.Text.Json.JsonElement> ReadLines(string path) =>
        File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement);
}
