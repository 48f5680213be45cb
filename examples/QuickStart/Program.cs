// Library use in a few lines: an embedding generator over a local model, the embedded vector store, and the
// retrieval pipeline (embed -> search -> rerank). Run: dotnet run --project examples/QuickStart [MODEL_DIR]
// Without MODEL_DIR it uses the repository's tiny random Qwen3 (the ranking is then meaningless).
using D2LLM.Models.Qwen;
using D2LLM.SemanticKernel;
using D2LLM.Storage;

string samples = Path.Combine(AppContext.BaseDirectory, "../../../../../samples/quickstart");
using var embeddings = args.Length > 0
    ? D2Llm.OpenEmbeddingGenerator(args[0])
    : D2Llm.FromModel(QwenModel.Load(Path.Combine(samples, "tiny-qwen"), new QwenLoadOptions { RandomSeed = 7 }));
using var store = D2Llm.OpenStore(Path.Combine(Path.GetTempPath(), "d2llm-quickstart-example.db"));
var collection = store.GetCollection("notes", new CollectionOptions(embeddings.Metadata.DefaultModelDimensions!.Value));
var pipeline = new RetrievalPipeline(embeddings, collection, options: new RetrievalOptions { Top = 2 });

await pipeline.SaveAsync("Sourdough rises because wild yeast ferments the flour.", id: "bread");
await pipeline.SaveAsync("Tides follow the Moon's gravity as the Earth turns.", id: "tides");
await pipeline.SaveAsync("A worn bicycle chain skips under load.", id: "bike");

foreach (var hit in await pipeline.SearchAsync("Why does my bike chain skip?"))
    Console.WriteLine($"{hit.Score:F4}  {hit.Id}  {hit.Text}");
