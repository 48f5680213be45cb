using D2LLM.Data;
using D2LLM.Pipelines;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace D2LLM.SemanticKernel;

/// <summary>
/// Documents into a VectorData collection of <see cref="MemoryRecord"/>s plus the documents' own fields, in batches.
/// Keys come from the documents' ids (the same id always maps to the same record), so ingesting the same input again
/// replaces nothing that is unchanged: documents already stored with the same text are skipped, which is also how an
/// interrupted run resumes. Two passes over the documents: <see cref="Plan"/> checks every one, counts them and types
/// their fields (so a bad document fails before anything is written), <see cref="IndexAsync"/> embeds and upserts one
/// batch at a time, reporting each acknowledged batch ("indexed N of M").
/// </summary>
public static class DocumentIngestion
{
    /// <summary>Field names the record itself uses.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "id", "_id", "text", "embedding", "Key", "Id", "Text", "Embedding" };

    /// <summary>
    /// The first pass: every document checked (ids, field types), counted, and the collection's definition for
    /// vectors of <paramref name="dimensions"/>; nothing is written, so a bad input fails before any store is touched.
    /// </summary>
    public static IngestionPlan Plan(IEnumerable<Document> documents, int dimensions) => new(documents, Definition(documents, dimensions, out int count), count);

    /// <summary>Ingests planned documents: the second pass.</summary>
    /// <param name="plan">the documents and their collection's definition (<see cref="Plan"/>)</param>
    /// <param name="embeddings">the generator</param>
    /// <param name="store">the vector store</param>
    /// <param name="collectionName">the collection (created when missing)</param>
    /// <param name="batchSize">documents per upsert</param>
    /// <param name="progress">a count per batch and a line per acknowledged batch</param>
    /// <param name="cancellationToken">stops between batches; acknowledged batches stay stored</param>
    public static async Task<IngestionReport> IndexAsync(IngestionPlan plan, IEmbeddingGenerator<string, Embedding<float>> embeddings, VectorStore store,
        string collectionName, int batchSize = 64, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var (documents, definition, total) = plan;
        var collection = store.GetDynamicCollection(collectionName, definition);
        await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
        int done = 0, skipped = 0, truncated = 0;
        string? firstTruncated = null;
        foreach (var chunk in documents.Chunk(Math.Max(1, batchSize)))
        {
            var stored = new Dictionary<string, string?>(StringComparer.Ordinal);
            await foreach (var record in collection.GetAsync(chunk.Select(d => (object)MemoryRecord.KeyOf(d.Id)), cancellationToken: cancellationToken).ConfigureAwait(false))
                stored[(string)record["Id"]!] = record["Text"] as string;
            var fresh = chunk.Where(d => !(stored.TryGetValue(d.Id, out var text) && text == d.Text)).ToList();
            skipped += chunk.Length - fresh.Count;
            if (fresh.Count > 0)
            {
                var generated = await embeddings.GenerateAsync(fresh.Select(d => d.Text), cancellationToken: cancellationToken).ConfigureAwait(false);
                await collection.UpsertAsync(fresh.Select((d, i) => Record(d, generated[i].Vector)), cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < fresh.Count; i++)
                {
                    if (generated[i].AdditionalProperties?.ContainsKey(D2LlmEmbeddingOptions.TruncatedKey) != true) continue;
                    truncated++;
                    firstTruncated ??= $"id '{fresh[i].Id}'";
                }
            }

            done += chunk.Length;
            progress?.Report(PipelineProgress.Log($"indexed {done} of {total}"));
            progress?.Report(new PipelineProgress("indexing (documents)", done, total));
        }

        return new IngestionReport(total, skipped, truncated, firstTruncated);
    }

    /// <summary>
    /// The collection's definition: the memory record's properties, then one data property per field the documents
    /// carry, typed by their values (integers widen to numbers; other mixtures are an error naming the line). Two
    /// documents with one id are an error naming both (the second would replace the first; a document without an id
    /// takes its line number, which may be another's id).
    /// </summary>
    private static VectorStoreCollectionDefinition Definition(IEnumerable<Document> documents, int dimensions, out int count)
    {
        var types = new Dictionary<string, (Type Type, string Where)>(StringComparer.Ordinal);
        var ids = new Dictionary<Guid, string>();
        count = 0;
        foreach (var d in documents)
        {
            count++;
            if (!ids.TryAdd(MemoryRecord.KeyOf(d.Id), d.Where))
                throw new InvalidDataException($"{d.Where}: id \"{d.Id}\" is also the id of the document at {ids[MemoryRecord.KeyOf(d.Id)]} (one would replace the other)");
            foreach (var (name, value) in d.Fields)
            {
                if (Reserved.Contains(name)) throw new InvalidDataException($"{d.Where}: field \"{name}\" is reserved (the record's own fields are id, text and embedding)");
                if (value is null) continue;
                var type = value.GetType();
                if (!types.TryGetValue(name, out var seen)) types[name] = (type, d.Where);
                else if (seen.Type != type)
                    types[name] = (seen.Type, type) switch
                    {
                        var (a, b) when (a == typeof(long) || a == typeof(double)) && (b == typeof(long) || b == typeof(double)) => (typeof(double), seen.Where),
                        _ => throw new InvalidDataException($"{d.Where}: field \"{name}\" is a {Kind(type)} here but a {Kind(seen.Type)} at {seen.Where}"),
                    };
            }
        }

        var definition = MemoryRecord.Definition(dimensions);
        foreach (var (name, (type, _)) in types.OrderBy(t => t.Key, StringComparer.Ordinal)) definition.Properties.Add(new VectorStoreDataProperty(name, type));
        return definition;
    }

    /// <summary>The dynamic record of a document with its embedding.</summary>
    private static Dictionary<string, object?> Record(Document document, ReadOnlyMemory<float> embedding) =>
        new(document.Fields, StringComparer.Ordinal)
        {
            ["Key"] = MemoryRecord.KeyOf(document.Id), ["Id"] = document.Id, ["Text"] = document.Text, ["Embedding"] = embedding,
        };

    private static string Kind(Type type) =>
        type == typeof(string) ? "string" : type == typeof(bool) ? "boolean" : type == typeof(List<string>) ? "list of strings" : "number";
}
