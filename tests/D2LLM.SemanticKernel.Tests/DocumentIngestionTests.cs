using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Storage.Embedded;

namespace D2LLM.SemanticKernel.Tests;

public class DocumentIngestionTests
{
    [Fact]
    public async Task Documents_AreCheckedThenStoredWithTheirFields_AndIngestingAgainSkipsThem()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("docs.jsonl"), Enumerable.Range(0, 10).Select(i => $$"""{"id": "d{{i}}", "title": "Note {{i}}", "text": "about topic {{i % 3}}", "year": {{2000 + i}}, "tags": ["a", "b{{i}}"]}"""));
        Directory.CreateDirectory(dir.File("notes"));
        File.WriteAllText(dir.File("notes/one.md"), "# One\nsome text");
        Assert.Equal(("one.md", "# One\nsome text", "one.md"), DocumentSource.Read(dir.File("notes")).Select(d => (d.Id, d.Text, (string)d.Fields["path"]!)).Single());

        using var generator = D2Llm.FromModel(Backbones.LoadDecoder(folder.Path));
        using var store = new EmbeddedVectorStore(dir.File("v.db"));
        var plan = DocumentIngestion.Plan(DocumentSource.Read(dir.File("docs.jsonl")), 16);
        Assert.Equal(10, plan.Count);
        Assert.Equal("tags:List`1,title:String,year:Int64", string.Join(",", plan.Definition.Properties.OfType<Microsoft.Extensions.VectorData.VectorStoreDataProperty>().Where(p => p.Name is not ("Id" or "Text")).Select(p => $"{p.Name}:{p.Type?.Name}")));
        var first = await DocumentIngestion.IndexAsync(plan, generator, store, "notes", batchSize: 4);
        Assert.Equal(new IngestionReport(10, 0, 0, null), first);
        var record = await store.GetDynamicCollection("notes", plan.Definition).GetAsync((object)MemoryRecord.KeyOf("d3"));
        Assert.Equal(("Note 3 about topic 0", 2003L), ((string)record!["Text"]!, (long)record["year"]!));
        Assert.Equal(10, (await DocumentIngestion.IndexAsync(plan, generator, store, "notes")).Skipped);

        File.AppendAllText(dir.File("docs.jsonl"), """{"id": "d3", "text": "a second d3"}""" + "\n");
        var clash = Assert.Throws<InvalidDataException>(() => DocumentIngestion.Plan(DocumentSource.Read(dir.File("docs.jsonl")), 16));
        Assert.Equal($"{dir.File("docs.jsonl")}:11: id \"d3\" is also the id of the document at {dir.File("docs.jsonl")}:4 (one would replace the other)", clash.Message);
    }
}
