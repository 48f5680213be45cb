// The README's library snippet, compiled against the packed NuGet packages only (see PackageConsumerTests).
using D2LLM.SemanticKernel;
using D2LLM.Storage.Embedded;
using Microsoft.Extensions.VectorData;

string modelDir = args[0], storePath = args[1];

using var embeddings = D2Llm.OpenEmbeddingGenerator(modelDir);       // a student folder, or a Qwen folder (mean-pooled)
using var store = new EmbeddedVectorStore(storePath, new() { EmbeddingGenerator = embeddings });
var notes = store.GetCollection<string, Note>("notes");
await notes.EnsureCollectionExistsAsync();

string[] texts = { "Sourdough rises because wild yeast ferments the flour.", "A worn bicycle chain skips under load." };
var vectors = await embeddings.GenerateAsync(texts);                 // passages, embedded once, stored with the records
await notes.UpsertAsync(new[]
{
    new Note { Id = "bread", Text = texts[0], Topic = "baking", Embedding = vectors[0].Vector },
    new Note { Id = "bike", Text = texts[1], Topic = "repair", Embedding = vectors[1].Vector },
});

// VectorData search: the store embeds the query with its generator; the LINQ filter runs in the store.
await foreach (var hit in notes.SearchAsync("A worn bicycle chain skips under load.", top: 1, new() { Filter = n => n.Topic == "repair" }))
    Console.WriteLine($"{hit.Record.Id} {hit.Score:F4}");

// Retrieval with reranking: one query embedding, the candidates with their stored vectors, then the reranker
// (D2Llm.OpenReranker(studentDir): the student's IEM); with none, the order is the store's cosine.
var pipeline = new RetrievalPipeline<string, Note>(notes, embeddings, reranker: null);
foreach (var hit in await pipeline.SearchAsync("A worn bicycle chain skips under load.", top: 2))
    Console.WriteLine($"{hit.Record.Id} {hit.Score:F4}");

public sealed class Note
{
    [VectorStoreKey] public string Id { get; set; } = "";
    [VectorStoreData(IsFullTextIndexed = true)] public string Text { get; set; } = "";
    [VectorStoreData(IsIndexed = true)] public string Topic { get; set; } = "";
    [VectorStoreVector(16)] public ReadOnlyMemory<float> Embedding { get; set; } // the model's size: 16 here (a tiny test model), 896 for a Qwen2.5-0.5B student
}
