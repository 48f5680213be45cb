using System.CommandLine;
using D2LLM.Data;
using D2LLM.SemanticKernel;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm index --store PATH|URL --model DIR --input FILE|FOLDER</c>: the documents of the input
/// (<see cref="Data.DocumentSource"/>) into the store through <see cref="DocumentIngestion"/> — idempotent and
/// resumable; each acknowledged batch is logged ("indexed N of M").
/// </summary>
internal static class IndexCommand
{
    public static Command Create()
    {
        var store = new StoreOptions();
        var input = new Option<string>("--input") { Description = "JSON Lines ({\"id\"|\"_id\", \"text\", \"title\"?, other fields stored with it}), a BEIR folder, or a folder of .txt/.md files", Required = true };
        var batch = new Option<int>("--batch") { Description = "documents per upsert", DefaultValueFactory = _ => 64 };
        var cmd = new Command("index", "Embed documents and store them (embedded file or Qdrant); idempotent and resumable.") { input, batch };
        store.AddTo(cmd);
        cmd.SetAction((r, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            using var embeddings = store.OpenEmbeddings(r);
            var plan = DocumentIngestion.Plan(DocumentSource.Read(r.GetValue(input)!), embeddings.Metadata.DefaultModelDimensions!.Value);
            using var vectors = store.OpenStore(r, mustExist: false);
            string collection = r.GetValue(store.Collection)!;
            var report = await PipelineDisplay.RunAsync(progress =>
                DocumentIngestion.IndexAsync(plan, embeddings, vectors, collection, r.GetValue(batch), progress, cancellationToken));
            Console.Error.WriteLine($"{report.Documents} documents in '{collection}' ({report.Skipped} already stored unchanged)");
            if (report.Truncated > 0) LongTextWarning.Print("document", embeddings.MaxTokens, report.Truncated, report.FirstTruncated!);
            return 0;
        }));
        return cmd;
    }
}
