using System.CommandLine;
using D2LLM.SemanticKernel;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm index --store PATH|URL --model DIR --input FILE|FOLDER</c>: embeds documents and upserts them in batches
/// into a VectorData collection of <see cref="MemoryRecord"/>s plus the documents' own fields. Keys come from the
/// documents' ids (the same id always maps to the same record), so indexing the same input again replaces nothing
/// that is unchanged: documents already stored with the same text are skipped, which is also how an interrupted run
/// resumes. Each acknowledged batch is logged ("indexed N of M"). The input streams: a first pass checks every line,
/// counts the documents and types their fields (so a bad line fails before anything is written), the second embeds
/// and stores one batch at a time.
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
            var documents = IndexedDocument.Read(r.GetValue(input)!);
            using var embeddings = store.OpenEmbeddings(r);
            var definition = IndexedDocument.Definition(documents, embeddings.Metadata.DefaultModelDimensions!.Value);
            int total = documents.Count();
            using var vectors = store.OpenStore(r, mustExist: false);
            var collection = vectors.GetDynamicCollection(r.GetValue(store.Collection)!, definition);
            await collection.EnsureCollectionExistsAsync(cancellationToken);
            int done = 0, skipped = 0;
            var truncated = new LongTextWarning("document");
            await ProgressDisplay.RunAsync("indexing (documents)", async report =>
            {
                foreach (var chunk in documents.Chunk(Math.Max(1, r.GetValue(batch))))
                {
                    var stored = new Dictionary<string, string?>(StringComparer.Ordinal);
                    await foreach (var record in collection.GetAsync(chunk.Select(d => (object)MemoryRecord.KeyOf(d.Id)), cancellationToken: cancellationToken))
                        stored[(string)record["Id"]!] = record["Text"] as string;
                    var fresh = chunk.Where(d => !(stored.TryGetValue(d.Id, out var text) && text == d.Text)).ToList();
                    skipped += chunk.Length - fresh.Count;
                    if (fresh.Count > 0)
                    {
                        var generated = await embeddings.GenerateAsync(fresh.Select(d => d.Text), cancellationToken: cancellationToken);
                        await collection.UpsertAsync(fresh.Select((d, i) => d.Record(generated[i].Vector)), cancellationToken);
                        for (int i = 0; i < fresh.Count; i++)
                            if (generated[i].AdditionalProperties?.ContainsKey(D2LlmEmbeddingOptions.TruncatedKey) == true) truncated.Add($"id '{fresh[i].Id}'");
                    }

                    done += chunk.Length;
                    Console.Error.WriteLine($"indexed {done} of {total}");
                    report(done, total);
                }
            });
            Console.Error.WriteLine($"{total} documents in '{collection.Name}' ({skipped} already stored unchanged)");
            truncated.Print(embeddings.MaxTokens);
            return 0;
        }));
        return cmd;
    }
}
