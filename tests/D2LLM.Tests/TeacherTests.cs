using System.Text.Json;
using D2LLM.Models.Prompts;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Teacher;

namespace D2LLM.Tests;

public class TeacherTests
{
    [Fact]
    public void Scores_MatchTheReferenceLogits_WithFeaturesAndTemperature()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = Backbones.LoadDecoder(folder.Path);
        var prompt = new TeacherPrompt(PromptTemplate.Load(Fixtures.Path("expected/tiny-qwen3-a.template.txt")), "能", "不能");
        var lines = File.ReadLines(Fixtures.Path("expected/tiny-qwen3-a.score.jsonl")).Take(6).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var ids = lines.Select(e => new TeacherModel(model, prompt).Encode(e.GetProperty("query").GetString()!, e.GetProperty("passage").GetString()!)).ToList();

        var plain = new TeacherModel(model, prompt).Score(ids, withFeatures: true);
        var hot = new TeacherModel(model, prompt, temperature: 2f).Score(ids);
        var batch = TokenBatch.Pack(ids);
        var last = model.Pool(model.Forward(batch), batch, PoolingMode.Last);
        for (int i = 0; i < lines.Count; i++)
        {
            double yes = lines[i].GetProperty("yes_logit").GetDouble(), no = lines[i].GetProperty("no_logit").GetDouble();
            Assert.InRange(plain[i].YesLogit - yes, -2e-3, 2e-3);
            Assert.InRange(plain[i].NoLogit - no, -2e-3, 2e-3);
            Assert.Equal(lines[i].GetProperty("score").GetDouble(), plain[i].Probability, 3);
            Assert.Equal(1 / (1 + Math.Exp((plain[i].NoLogit - plain[i].YesLogit) / 2.0)), hot[i].Probability, 6);
            Assert.Equal(last.AsSpan(i * model.HiddenSize, model.HiddenSize).ToArray(), plain[i].Feature);
        }
    }

    [Fact]
    public void BuiltInPrompts_AreTheD2llmStrings_AndResolveWithErrors()
    {
        var asym = TeacherPrompt.Named("d2llm-zh-asym");
        var (text, _) = asym.Template.Fill("Q", "P");
        Assert.Equal("#Q将描述一个问题，#A将描述一个网络段落，它们可能并没有关系。仅依据这些描述和您对世界的了解，判断#A能不能正确地回答#Q中提出的问题，请回答能或不能。\n#Q：Q\n#A：P\n回答：", text);
        Assert.Equal(("能", "不能"), (asym.YesWord, asym.NoWord));
        Assert.Equal(("是", "不是"), (TeacherPrompt.Named("d2llm-zh-sym").YesWord, TeacherPrompt.Named("d2llm-zh-sym").NoWord));
        Assert.All(TeacherPrompt.BuiltIn.Values, p => Assert.Contains("{passage}", p.Template.Text));
        var error = Assert.Throws<ArgumentException>(() => TeacherPrompt.Named("x"));
        Assert.StartsWith("unknown built-in prompt 'x' (built in: d2llm-zh-sym,", error.Message);
        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public void AFolderDeclaresItsPrompt_InTrainingJson_OrNot()
    {
        using var dir = new TempDirectory();
        Assert.Null(TeacherPrompt.FromFolder(dir.Path));
        File.WriteAllText(dir.File("training.json"), """{"steps": 3, "template": "Q={query} P={passage}"}""");
        Assert.Null(TeacherPrompt.FromFolder(dir.Path)); // no yes/no words: not a declaration
        File.WriteAllText(dir.File("training.json"), """{"template": "Q={query} P={passage}", "yes": "能", "no": "不能"}""");
        var declared = TeacherPrompt.FromFolder(dir.Path)!;
        Assert.Equal(("Q=a P=b", "能", "不能"), (declared.Template.Fill("a", "b").Prompt, declared.YesWord, declared.NoWord));
        Assert.Equal(dir.File("training.json"), declared.Template.Source);
        TeacherPrompt.Named("d2llm-zh-sym").Declare(dir.Path, new { steps = 7 });
        var reread = TeacherPrompt.FromFolder(dir.Path)!;
        Assert.Equal((TeacherPrompt.Named("d2llm-zh-sym").Template.Text, "是", "不是"), (reread.Template.Text, reread.YesWord, reread.NoWord));
        Assert.Equal(7, JsonDocument.Parse(File.ReadAllText(dir.File("training.json"))).RootElement.GetProperty("steps").GetInt32());
        Assert.Equal(reread.Template.Text, File.ReadAllText(dir.File("template.txt")));
        File.WriteAllText(dir.File("training.json"), "{\"template\": ");
        Assert.StartsWith($"{dir.File("training.json")}: not valid JSON", Assert.Throws<InvalidDataException>(() => TeacherPrompt.FromFolder(dir.Path)).Message);
    }
}

public class TeacherPrefixCacheTests
{
    [Fact]
    public void ScoringCandidatesFromASharedPrefix_EqualsFullPrompts()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var model = Backbones.LoadDecoder(folder.Path);
        var teacher = new TeacherModel(model, TeacherPrompt.Named("d2llm-zh-asym"));
        string query = "乳腺癌是由什么引起的？";
        var passages = new[] { "雌激素受体是乳腺癌的主要调控因子。", "今天天气很好。", "Genetic and hormonal factors both contribute.", "否" };
        var cached = teacher.ScoreCandidates(query, passages, withFeatures: true);
        var full = teacher.Score(passages.Select(p => teacher.Encode(query, p)).ToList(), withFeatures: true);
        Assert.True(TeacherModel.SharedPrefixLength(passages.Select(p => teacher.Encode(query, p)).ToList()) > 20);
        for (int i = 0; i < passages.Length; i++)
        {
            Assert.Equal(full[i].YesLogit, cached[i].YesLogit, 4);
            Assert.Equal(full[i].NoLogit, cached[i].NoLogit, 4);
            for (int j = 0; j < model.HiddenSize; j++) Assert.Equal(full[i].Feature![j], cached[i].Feature![j], 4);
        }
    }

    [Fact]
    public void SharedPrefixLength_LeavesEachPromptATokenOfItsOwn()
    {
        Assert.Equal(2, TeacherModel.SharedPrefixLength(new[] { new[] { 1, 2, 3 }, new[] { 1, 2, 4, 5 } }));
        Assert.Equal(2, TeacherModel.SharedPrefixLength(new[] { new[] { 1, 2, 3 }, new[] { 1, 2, 3 } }));
        Assert.Equal(0, TeacherModel.SharedPrefixLength(new[] { new[] { 1 }, new[] { 2 } }));
    }
}
