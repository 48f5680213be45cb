using System.CommandLine;
using System.Text.Json;
using D2LLM.Storage;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm index --store PATH|URL --model DIR --input FILE|FOLDER</c>: embeds documents and upserts them in batches.
/// Keys come from the documents' ids (the same id always maps to the same record), so indexing the same input again
/// replaces nothing that is unchanged: documents already stored with the same text are skipped, which is also how an
/// interrupted run resumes. Each acknowledged batch is logged ("indexed N of M"). The input streams: a first pass
/// checks every line and counts the documents (so a bad line fails before anything is written), the second embeds
/// and stores one batch at a time.
/// </summary>
internal static class IndexCommand
{
    public static Command Create()
    {
        var store = new StoreOptions();
        var input = new Option<string>("--input") { Description = "JSON Lines ({\"id\"|\"_id\", \"text\", \"title\"?, other fields → metadata}), a BEIR folder, or a folder of .txt/.md files", Required = true };
        var batch = new Option<int>("--batch") { Description = "documents per upsert", DefaultValueFactory = _ => 64 };
        var cmd = new Command("index", "Embed documents and store them (embedded file or Qdrant); idempotent and resumable.") { input, batch };
        store.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var documents = Documents(r.GetValue(input)!);
            int total = documents.Count();
            using var embeddings = store.OpenEmbeddings(r);
            using (var vectors = store.OpenStore(r))
            {
                var collection = vectors.GetCollection(r.GetValue(store.Collection)!, new CollectionOptions(embeddings.Metadata.DefaultModelDimensions!.Value));
                collection.EnsureAsync().GetAwaiter().GetResult();
                int done = 0, skipped = 0;
                ProgressDisplay.Run("indexing (documents)", report =>
                {
                    foreach (var chunk in documents.Chunk(Math.Max(1, r.GetValue(batch))))
                    {
                        var stored = collection.GetAsync(chunk.Select(d => d.Key).ToList()).GetAwaiter().GetResult().ToDictionary(x => x.Key, x => x.Text);
                        var fresh = chunk.Where(d => !(stored.TryGetValue(d.Key, out var text) && text == d.Text)).ToList();
                        skipped += chunk.Length - fresh.Count;
                        if (fresh.Count > 0)
                        {
                            var generated = embeddings.GenerateAsync(fresh.Select(d => d.Text)).GetAwaiter().GetResult();
                            collection.UpsertAsync(fresh.Select((d, i) => d with { Vector = generated[i].Vector.ToArray() }).ToList()).GetAwaiter().GetResult();
                        }

                        done += chunk.Length;
                        Console.Error.WriteLine($"indexed {done} of {total}");
                        report(done, total);
                    }
                });
                Console.Error.WriteLine($"{total} documents in '{collection.Name}' ({skipped} already stored unchanged)");
            }

            return 0;
        }));
        return cmd;
    }

    /// <summary>Documents of a JSON Lines file, a BEIR folder or a folder of text files, as records without vectors.</summary>
    private static IEnumerable<VectorRecord> Documents(string input)
    {
        if (Directory.Exists(input))
        {
            if (File.Exists(Path.Combine(input, "corpus.jsonl"))) return JsonDocuments(Path.Combine(input, "corpus.jsonl"));
            var files = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new FileNotFoundException($"{input}: no corpus.jsonl and no .txt or .md files");
            return files.Select(f => Path.GetRelativePath(input, f)).Select(id =>
                Record(id, File.ReadAllText(Path.Combine(input, id)), new Dictionary<string, object?> { ["path"] = id }, $"{input}/{id}"));
        }

        return JsonDocuments(input);
    }

    private static IEnumerable<VectorRecord> JsonDocuments(string path)
    {
        using var lines = new JsonLines(path, null);
        foreach (var (line, json) in lines.Read())
        {
            var metadata = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (name, node) in json)
            {
                if (name is "text" or "_id" or "id" || node is null) continue;
                var e = JsonSerializer.SerializeToElement(node);
                bool storable = e.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False
                    || (e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String));
                if (!storable) throw new InvalidDataException($"{path}:{line}: field \"{name}\" must be a string, number, boolean or list of strings to be stored as metadata");
                metadata[name] = MetadataValue.FromJson(e);
            }

            string id = json["_id"]?.ToString() ?? json["id"]?.ToString() ?? line.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string text = lines.RequireString(json, line, "text");
            if (metadata.TryGetValue("title", out var title) && title is string { Length: > 0 } t) text = t + " " + text;
            yield return Record(id, text, metadata, $"{path}:{line}");
        }
    }

    private static VectorRecord Record(string id, string text, Dictionary<string, object?> metadata, string where)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidDataException($"{where}: the document's text is empty");
        metadata["id"] = id;
        return new VectorRecord(VectorKey.From(id), text, metadata, null);
    }
}
