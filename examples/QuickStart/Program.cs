// Library use in a few lines, the VectorData way: an embedding generator over a local model, a VectorData store
// (the embedded file; QdrantVectorStore for a server), a record type with VectorData attributes, plain vector search,
// then the retrieval pipeline (one query embedding → candidates → reranker).
// Run: dotnet run --project examples/QuickStart [MODEL_DIR]. Without MODEL_DIR it uses the repository's tiny random
// Qwen3 (the ranking is then meaningless); with a student folder the IEM reranks.
using D2LLM.Models;
using D2LLM.SemanticKernel;
using D2LLM.Storage.Embedded;
using D2LLM.Student;
using Microsoft.Extensions.VectorData;

string samples = Path.Combine(AppContext.BaseDirectory, "../../../../../samples/quickstart");
StudentModel? student = args.Length > 0 && D2LLM.ModelFolder.KindOf(args[0]) is D2LLM.ModelFolderKind.Student ? StudentModel.Load(args[0]) : null;
using var embeddings = student is not null ? D2Llm.FromStudent(student, ownsModel: true)
    : args.Length > 0 ? D2Llm.OpenEmbeddingGenerator(args[0])
    : D2Llm.FromModel(Backbones.Load(Path.Combine(samples, "tiny-qwen"), new ModelLoadOptions { RandomSeed = 7 }));
int dimensions = embeddings.Metadata.DefaultModelDimensions!.Value;

using var store = new EmbeddedVectorStore(Path.Combine(Path.GetTempPath(), "d2llm-quickstart-example.db"), new() { EmbeddingGenerator = embeddings });
await store.EnsureCollectionDeletedAsync("notes");
// The vector's size is the model's, so it is given by a definition here rather than fixed in the attribute.
var notes = store.GetCollection<string, Note>("notes", Note.Definition(dimensions));
await notes.EnsureCollectionExistsAsync();

var texts = new Dictionary<string, (string Text, string Topic)>
{
    ["bread"] = ("Sourdough rises because wild yeast ferments the flour.", "kitchen"),
    ["tides"] = ("Tides follow the Moon's gravity as the Earth turns.", "nature"),
    ["bike"] = ("A worn bicycle chain skips under load.", "repair"),
};
var vectors = await embeddings.GenerateAsync(texts.Values.Select(v => v.Text));
await notes.UpsertAsync(texts.Select((t, i) => new Note { Id = t.Key, Text = t.Value.Text, Topic = t.Value.Topic, Embedding = vectors[i].Vector }));

Console.WriteLine("VectorData search, filtered to repairs:");
await foreach (var hit in notes.SearchAsync("Why does my bike chain skip?", top: 2, new() { Filter = n => n.Topic == "repair" }))
    Console.WriteLine($"  {hit.Score:F4}  {hit.Record.Id}  {hit.Record.Text}");

Console.WriteLine(student is null ? "Retrieval pipeline (cosine; a student folder adds IEM reranking):" : "Retrieval pipeline, reranked by the student's IEM:");
var pipeline = new RetrievalPipeline<string, Note>(notes, embeddings, student is null ? null : new IemReranker(student), new RetrievalOptions<Note> { Top = 2 });
foreach (var hit in await pipeline.SearchAsync("Why does my bike chain skip?"))
    Console.WriteLine($"  {hit.Score:F4}  {hit.Record.Id}  {hit.Text}");

/// <summary>A note as VectorData maps it: key, data and vector properties by attribute.</summary>
public sealed class Note
{
    [VectorStoreKey] public string Id { get; set; } = "";
    [VectorStoreData(IsFullTextIndexed = true)] public string Text { get; set; } = "";
    [VectorStoreData(IsIndexed = true)] public string Topic { get; set; } = "";
    [VectorStoreVector(1)] public ReadOnlyMemory<float> Embedding { get; set; }

    /// <summary>The attributes, with the vector's real size (a definition's values override the attributes').</summary>
    public static VectorStoreCollectionDefinition Definition(int dimensions) => new()
    {
        Properties = new List<VectorStoreProperty> { new VectorStoreVectorProperty(nameof(Embedding), typeof(ReadOnlyMemory<float>), dimensions) },
    };
}
