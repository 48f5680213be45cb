// The README's library snippet, compiled against the packed NuGet packages only (see PackageConsumerTests).
using D2LLM.Models.Qwen;
using D2LLM.SemanticKernel;
using D2LLM.Storage;

string modelDir = args[0];   // any Qwen folder (or a student folder via D2Llm.OpenEmbeddingGenerator)
string storePath = args[1];

using var embeddings = D2Llm.FromModel(QwenModel.Load(modelDir));
using var store = D2Llm.OpenStore(storePath);
var collection = store.GetCollection("notes", new CollectionOptions(embeddings.Metadata.DefaultModelDimensions!.Value));
var pipeline = new RetrievalPipeline(embeddings, collection, options: new RetrievalOptions { Top = 2 });

await pipeline.SaveAsync("Sourdough rises because wild yeast ferments the flour.", id: "bread");
await pipeline.SaveAsync("A worn bicycle chain skips under load.", id: "bike");
foreach (var hit in await pipeline.SearchAsync("A worn bicycle chain skips under load."))
    Console.WriteLine($"{hit.Id} {hit.Score:F4}");
