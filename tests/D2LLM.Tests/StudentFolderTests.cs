using D2LLM.Models.Qwen;
using D2LLM.Models.Tests;
using D2LLM.Student;
using D2LLM.Tensors;

namespace D2LLM.Tests;

public class StudentFolderTests
{
    [Fact]
    public void SaveThenLoad_GivesTheSameEmbeddingsAndScores()
    {
        using var backboneFolder = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        var heads = new StudentHeads(new HeadsOptions(16, PmaHeads: 2, IemHidden: 8, Seed: 4));
        var config = new StudentConfig { Backbone = backboneFolder.Path, Dim = 16, PmaHeads = 2, PmaVariant = "standard", IemHidden = 8 };
        string folder = Path.Combine(dir.Path, "student");
        StudentModel.Save(folder, config, heads);

        var texts = new[] { "what binds the receptor", "雌激素受体", "a third text" };
        float[] expected;
        using (var backbone = QwenModel.Load(backboneFolder.Path))
        {
            var batch = TokenBatch.Pack(texts.Select(t => backbone.Encode(t, allowSpecialTokens: false)).ToList());
            var hidden = backbone.Forward(batch);
            expected = heads.Embed(hidden.Data, batch.Starts).Data;
        }

        using var student = StudentModel.Load(folder);
        var actual = student.Embed(texts);
        Assert.Equal(expected, actual);
        var scores = student.Score(actual[..16], actual);
        var direct = heads.Iem.Forward(Tensor.Wrap(actual[..16], 1, 16), Tensor.Wrap(actual, 3, 16), new int[3], new[] { 0, 1, 2 }, IemTask.Asymmetric);
        Assert.Equal(direct, scores);
    }

    [Fact]
    public void MismatchedDimensions_FailNamingTheConfig()
    {
        using var backboneFolder = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        var heads = new StudentHeads(new HeadsOptions(24, PmaHeads: 2, IemHidden: 8));
        StudentModel.Save(dir.Path, new StudentConfig { Backbone = backboneFolder.Path, Dim = 24, PmaHeads = 2, PmaVariant = "reference", IemHidden = 8 }, heads);
        var e = Assert.Throws<InvalidDataException>(() => StudentModel.Load(dir.Path));
        Assert.Contains("student.json: dim 24 does not match the backbone's hidden size 16", e.Message);
    }
}
